/* The issues area, one chunk (ui/src/routes.tsx). */
export { IssuePage } from '../pages/operator/issue.js';
export { IssuesPage } from '../pages/operator/issues.js';
