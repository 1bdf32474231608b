// The typed client's old home, kept for imports of src/client: the client is
// the workspace package @oauth-apps-api/client (packages/client).
export * from '../../packages/client/src/index';
