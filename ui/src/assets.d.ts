/* Stylesheets a module imports for Vite to bundle with it (uPlot's, with the metrics chunk). */
declare module '*.css';
