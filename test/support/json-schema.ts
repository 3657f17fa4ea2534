// A tiny JSON Schema validator for the subset docs/event-schema.json uses (type, const, enum,
// properties, required, additionalProperties, items, oneOf/anyOf, pattern, minimum, local
// `$ref`s into `$defs`, and the integer/number distinction). Enough to check events against the shipped schema without a
// dependency; anything else in a schema is reported, so the subset cannot silently grow.

type Schema = Record<string, unknown>;

const KNOWN = new Set([
  '$schema',
  '$defs',
  '$ref',
  'title',
  'description',
  'x-event-format-version',
  'type',
  'const',
  'enum',
  'properties',
  'required',
  'additionalProperties',
  'propertyNames',
  'items',
  'oneOf',
  'anyOf',
  'pattern',
  'format',
  'minimum',
  'exclusiveMinimum',
  'maximum',
]);

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The problems of `value` against `schema`, each with its path; empty when it is valid. */
export function validate(schema: Schema, value: unknown, path = '$', root: Schema = schema): string[] {
  if (typeof schema.$ref === 'string') {
    const target = resolveRef(root, schema.$ref);
    if (!target) return [`${path}: unresolved $ref ${schema.$ref}`];
    return validate(target, value, path, root);
  }
  const unknown = Object.keys(schema).filter((k) => !KNOWN.has(k));
  if (unknown.length > 0)
    return [`${path}: schema uses ${unknown.join(', ')}, which this validator does not know`];
  const errors: string[] = [];
  const actual = typeOf(value);
  if (schema.type !== undefined) {
    const allowed = Array.isArray(schema.type) ? schema.type : [schema.type];
    const ok = allowed.includes(actual) || (actual === 'integer' && allowed.includes('number'));
    if (!ok) return [`${path}: ${actual}, expected ${allowed.join(' or ')}`];
  }
  if ('const' in schema && value !== schema.const)
    errors.push(`${path}: expected ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) {
    errors.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }
  if (
    typeof value === 'string' &&
    typeof schema.pattern === 'string' &&
    !new RegExp(schema.pattern).test(value)
  ) {
    errors.push(`${path}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum)
      errors.push(`${path}: below ${schema.minimum}`);
    if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum) {
      errors.push(`${path}: not above ${schema.exclusiveMinimum}`);
    }
    if (typeof schema.maximum === 'number' && value > schema.maximum)
      errors.push(`${path}: above ${schema.maximum}`);
  }
  if (Array.isArray(value) && isSchema(schema.items)) {
    const items = schema.items;
    value.forEach((item, i) => {
      errors.push(...validate(items, item, `${path}[${i}]`, root));
    });
  }
  if (isSchema(value)) errors.push(...validateObject(schema, value, path, root));
  for (const key of ['oneOf', 'anyOf'] as const) {
    const options = schema[key];
    if (!Array.isArray(options)) continue;
    const passing = options.filter(
      (option) => isSchema(option) && validate(option, value, path, root).length === 0,
    );
    if (key === 'oneOf' ? passing.length !== 1 : passing.length === 0) {
      errors.push(`${path}: matches ${passing.length} of the ${key} schemas`);
      // Where a schema of the union is meant for this value (same `type`), say why it fails.
      const meant = options.find(
        (o) => isSchema(o) && discriminator(o) === (value as { type?: unknown })?.type,
      );
      if (isSchema(meant)) errors.push(...validate(meant, value, path, root));
    }
  }
  return errors;
}

function validateObject(
  schema: Schema,
  value: Record<string, unknown>,
  path: string,
  root: Schema,
): string[] {
  const errors: string[] = [];
  const properties = isSchema(schema.properties) ? schema.properties : {};
  for (const name of Array.isArray(schema.required) ? schema.required : []) {
    if (!(name in value)) errors.push(`${path}: missing ${name}`);
  }
  for (const [name, field] of Object.entries(value)) {
    const declared = properties[name];
    if (isSchema(declared)) errors.push(...validate(declared, field, `${path}.${name}`, root));
    else if (schema.additionalProperties === false) errors.push(`${path}: unexpected ${name}`);
    else if (isSchema(schema.additionalProperties)) {
      errors.push(...validate(schema.additionalProperties, field, `${path}.${name}`, root));
    }
  }
  return errors;
}

function discriminator(schema: Schema): unknown {
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const type = properties.type;
  return isSchema(type) ? type.const : undefined;
}

/** A local reference (`#/$defs/name`) into the root schema; undefined for anything else. */
function resolveRef(root: Schema, ref: string): Schema | undefined {
  const match = /^#\/\$defs\/(.+)$/.exec(ref);
  const defs = root.$defs;
  if (!match?.[1] || !isSchema(defs)) return undefined;
  const target = defs[match[1]];
  return isSchema(target) ? target : undefined;
}
