/** The control plane's own release version, checked against agents with the 4.3 compatibility table. */
export const CONTROL_PLANE_VERSION = '0.1.0';
