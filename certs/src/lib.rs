//! Certificates for nave: CA creation, serving and client certificates, CSR signing, kubeconfig
//! rendering, bootstrap-token and CA-hash helpers. Bytes in, bytes out: no files, no sockets.
//!
//! Empty so far: it is filled by the API-server and identity issues.
