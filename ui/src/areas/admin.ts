/* The organization's admin pages, one chunk (ui/src/routes.tsx). */
export { AiSettingsPage } from '../pages/operator/ai-settings.js';
export { AuditLogPage } from '../pages/operator/audit-log.js';
export { MembersPage } from '../pages/operator/members.js';
export { TokensPage } from '../pages/operator/tokens.js';
