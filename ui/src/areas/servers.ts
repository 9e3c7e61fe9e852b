/* The servers area, one chunk (ui/src/routes.tsx). */
export { AddServerPage } from '../pages/add-server.js';
export { ServersPage } from '../pages/servers.js';
