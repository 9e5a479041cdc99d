// The parts of the MCP SDK the client uses. The SDK (with its JSON-schema validator) is most of what the
// bundles would weigh, and only an investigation needs it: esbuild.mjs bundles this module apart
// (dist/mcp-sdk.js) and mcpClient.ts loads it when it first asks a server.
export { Client } from '@modelcontextprotocol/sdk/client/index.js';
export { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
