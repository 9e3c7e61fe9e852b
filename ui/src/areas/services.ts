/* The services area: a service, its settings form, its deployments; one chunk (ui/src/routes.tsx). */
export { DeploymentPage } from '../pages/deployment.js';
export { ServiceFormPage } from '../pages/service-form.js';
export { ServicePage } from '../pages/service.js';
