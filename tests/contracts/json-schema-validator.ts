import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ajv2020 from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { parse } from 'yaml';

export const contractsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../contracts');

// Both packages are CommonJS; under NodeNext their classes sit on `.default`.
const { default: Ajv2020 } = ajv2020;
const { default: addFormats } = ajvFormats;
type ValidateFunction = ajv2020.ValidateFunction;
type ErrorObject = ajv2020.ErrorObject;

function createAjv() {
  // Union types (`type: ["string", "number"]`) are standard JSON Schema; ajv's strict mode wants them allowed.
  const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
  addFormats(ajv);
  return ajv;
}

const ajv = createAjv();
const validators = new Map<string, ValidateFunction>();

/** The checked-in JSON Schema at `contracts/<relativePath>`, compiled once. */
export function checkedInSchema(relativePath: string): ValidateFunction {
  let validate = validators.get(relativePath);
  if (!validate) {
    validate = ajv.compile(JSON.parse(readFileSync(path.join(contractsDir, relativePath), 'utf8')));
    validators.set(relativePath, validate);
  }
  return validate;
}

const openApiId = 'https://contracts.syntra.test/openapi.json';
let openApi: { ajv: ReturnType<typeof createAjv>; document: OpenApiYaml } | undefined;

interface OpenApiYaml {
  components: unknown;
  paths: Record<string, Record<string, { operationId: string }>>;
}

function loadOpenApi() {
  if (!openApi) {
    const ajv = createAjv();
    const document = parse(readFileSync(path.join(contractsDir, 'api/openapi.yaml'), 'utf8')) as OpenApiYaml;
    // Only these two hold JSON Schema; the keywords make ajv keep them for `$ref`s and pointers.
    ajv.addKeyword('components');
    ajv.addKeyword('paths');
    ajv.addSchema({ $id: openApiId, components: document.components, paths: document.paths });
    openApi = { ajv, document };
  }
  return openApi;
}

const pointerSegment = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1');

function openApiSchema(pointer: string[]): ValidateFunction {
  const validate = loadOpenApi().ajv.getSchema(`${openApiId}#/${pointer.map(pointerSegment).join('/')}`);
  if (!validate) throw new Error(`openapi.yaml has no schema at ${pointer.join(' > ')}`);
  return validate;
}

/** A component of the checked-in `contracts/api/openapi.yaml`, with its `$ref`s resolved. */
export function openApiComponent(name: string): ValidateFunction {
  return openApiSchema(['components', 'schemas', name]);
}

/** The checked-in schema of an operation's success body (the ApiResponse envelope). */
export function openApiSuccessBody(operationId: string, status: string): ValidateFunction {
  for (const [route, operations] of Object.entries(loadOpenApi().document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (operation.operationId === operationId) {
        return openApiSchema(['paths', route, method, 'responses', status, 'content', 'application/json', 'schema']);
      }
    }
  }
  throw new Error(`openapi.yaml has no operation ${operationId}`);
}

/** Where ajv places a fault at `path`: a missing field is reported on its parent object. */
export function ajvReports(errors: ErrorObject[] | null | undefined, path: readonly (string | number)[]): boolean {
  const pointer = path.map((segment) => `/${segment}`).join('');
  const parent = path.slice(0, -1).map((segment) => `/${segment}`).join('');
  return (errors ?? []).some(
    (error) =>
      error.instancePath === pointer ||
      (error.keyword === 'required' && error.instancePath === parent && error.params.missingProperty === path.at(-1)),
  );
}
