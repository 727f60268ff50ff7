//! `nave workspace create|list|delete`: the Workspace objects of a running hub, through its
//! `admin.kubeconfig` and the `kubectl-ws` library's client (the one `kubectl ws` uses).

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use kubectl_ws::{Hub, WorkspacePath};

/// How long `create` waits for Ready and `delete` for the workspace to be gone.
const WAIT: Duration = Duration::from_secs(60);

/// The hub of `<data_dir>/admin.kubeconfig`.
async fn admin_hub(data_dir: &Path) -> anyhow::Result<Hub> {
    let admin = data_dir.join("admin.kubeconfig");
    if !admin.exists() {
        bail!(
            "no {} (has `nave serve --data-dir {}` run?)",
            admin.display(),
            data_dir.display()
        );
    }
    Ok(Hub::from_files(&[admin], None).await?)
}

/// The `--parent` path.
fn parent_path(parent: &str) -> anyhow::Result<WorkspacePath> {
    WorkspacePath::parse(parent).context("--parent")
}

/// `nave workspace create`: creates it, waits until it is Ready, prints its path and URL.
pub(crate) async fn create(
    data_dir: &Path,
    parent: &str,
    name: &str,
    workspace_type: Option<&str>,
) -> anyhow::Result<()> {
    let parent = parent_path(parent)?;
    let path = parent.child(name)?;
    let hub = admin_hub(data_dir).await?;
    hub.create(&parent, name, workspace_type).await?;
    let workspace = hub.wait_ready(&path, WAIT).await?;
    let url = if workspace.url.is_empty() {
        hub.url(&path.to_string())
    } else {
        workspace.url
    };
    println!(
        "workspace {path} (type {}) created: {url}",
        workspace.workspace_type
    );
    Ok(())
}

/// `nave workspace list`: a table of the workspaces under `parent`.
pub(crate) async fn list(data_dir: &Path, parent: &str) -> anyhow::Result<()> {
    let parent = parent_path(parent)?;
    let hub = admin_hub(data_dir).await?;
    let workspaces = hub.list(&parent).await?;
    if workspaces.is_empty() {
        eprintln!("No workspaces in {parent}.");
        return Ok(());
    }
    let mut rows = vec![[
        "NAME".to_owned(),
        "TYPE".to_owned(),
        "PHASE".to_owned(),
        "URL".to_owned(),
    ]];
    for workspace in workspaces {
        let phase = match (workspace.deleting, workspace.phase.is_empty()) {
            (true, _) => "Terminating".to_owned(),
            (false, true) => "<none>".to_owned(),
            (false, false) => workspace.phase,
        };
        rows.push([
            workspace.name,
            workspace.workspace_type,
            phase,
            workspace.url,
        ]);
    }
    print!("{}", table(&rows));
    Ok(())
}

/// `nave workspace delete`: deletes it and waits until it (and its subtree) is gone.
pub(crate) async fn delete(data_dir: &Path, parent: &str, name: &str) -> anyhow::Result<()> {
    let parent = parent_path(parent)?;
    let path = parent.child(name)?;
    let hub = admin_hub(data_dir).await?;
    hub.delete(&path).await?;
    hub.wait_deleted(&path, WAIT).await?;
    println!("workspace {path} deleted");
    Ok(())
}

/// Rows as columns three spaces apart (kubectl's layout), the last column unpadded.
fn table<const N: usize>(rows: &[[String; N]]) -> String {
    let mut widths = [0; N];
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (index, cell) in row.iter().enumerate() {
            if index + 1 == N {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<width$}   ", width = widths[index]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_a_table() {
        let rows = [
            ["NAME".to_owned(), "PHASE".to_owned(), "URL".to_owned()],
            [
                "acme".to_owned(),
                "Ready".to_owned(),
                "https://h".to_owned(),
            ],
            ["a".to_owned(), "".to_owned(), "u".to_owned()],
        ];
        assert_eq!(
            table(&rows),
            "NAME   PHASE   URL\nacme   Ready   https://h\na              u\n"
        );
    }
}
