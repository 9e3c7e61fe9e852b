/* The projects area, loaded as one chunk when a page of it first opens (ui/src/routes.tsx). */
export { ProjectPage } from '../pages/project.js';
export { ProjectsPage } from '../pages/projects.js';
