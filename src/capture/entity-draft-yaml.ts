import type { DraftField, EntityDraft } from './entity-draft.js';

/** Comments are wrapped to this width, as the shipped config's are. */
const COMMENT_WIDTH = 100;
/** Where the entity sits in a config: under `entities:`, indented as config/erp-delta.yaml does. */
const ENTITY_INDENT = '  ';
const ENTITY_MEMBER_INDENT = '    ';
const FIELD_INDENT = '      ';

/**
 * The draft as YAML in the layout of config/erp-delta.yaml's `entities:` block, indented to sit
 * under that key: one flow mapping per field, aligned, its source type as a trailing comment and
 * what to check above it; untracked fields commented out, with why, so that uncommenting one is
 * all it takes to track it. Written by hand rather than by the yaml package, which cannot place
 * comments this way; scalars that YAML would read as something else are quoted.
 */
export function renderEntityDraft(draft: EntityDraft): string {
  const lines: string[] = [];
  for (const line of draft.header) lines.push(...commentLines(ENTITY_INDENT, line));
  lines.push(`${ENTITY_INDENT}${yamlScalar(draft.name)}:`);
  lines.push(`${ENTITY_MEMBER_INDENT}topic: ${yamlScalar(draft.topic)}`);
  lines.push(`${ENTITY_MEMBER_INDENT}keyFields: [${draft.keyFields.map(yamlScalar).join(', ')}]  # key column${draft.keyColumns.length === 1 ? '' : 's'} ${oneLine(draft.keyColumns.join(', '))}`);
  lines.push(`${ENTITY_MEMBER_INDENT}deltaTopic: ${yamlScalar(draft.deltaTopic)}`);
  lines.push(`${ENTITY_MEMBER_INDENT}fields:`);

  const nameWidth = Math.max(...draft.fields.map((field) => yamlScalar(field.name).length + 1));
  const bodies = draft.fields.map((field) => `${field.untrackedBecause === undefined ? '' : '# '}${`${yamlScalar(field.name)}:`.padEnd(nameWidth)} ${flowMapping(field)}`);
  const bodyWidth = Math.max(...bodies.map((body) => body.length));
  draft.fields.forEach((field, index) => {
    if (field.untrackedBecause !== undefined) lines.push(...commentLines(FIELD_INDENT, `${field.name} is not tracked: ${field.untrackedBecause}.`));
    for (const note of field.notes) lines.push(...commentLines(FIELD_INDENT, `${field.name}: ${note}.`));
    lines.push(`${FIELD_INDENT}${(bodies[index] ?? '').padEnd(bodyWidth)}  # ${oneLine(field.sourceType)}`);
  });
  return `${lines.join('\n')}\n`;
}

function flowMapping(field: DraftField): string {
  const { normalizer, ...parameters } = field.normalizer;
  const members: Array<[string, unknown]> = [['column', field.column], ['normalizer', normalizer], ...Object.entries(parameters)];
  return `{ ${members.map(([key, value]) => `${key}: ${typeof value === 'string' ? yamlScalar(value) : String(value)}`).join(', ')} }`;
}

// Words that YAML 1.1 or 1.2 readers take as booleans or null rather than as text.
const RESERVED_WORDS = new Set(['true', 'false', 'null', 'yes', 'no', 'on', 'off', 'y', 'n', '~']);

/**
 * A string as a YAML scalar that reads back as the same string, in a block or inside a flow
 * mapping: plain when it is a name-like word, else double-quoted (JSON's escapes are YAML's).
 */
export function yamlScalar(value: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_./-]*$/.test(value) && !RESERVED_WORDS.has(value.toLowerCase())) return value;
  return JSON.stringify(value);
}

/** A trailing comment ends at the line's end: names holding a line break must not end it early. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ');
}

/** `# text`, wrapped at word boundaries; continuation lines indented under the text. */
function commentLines(indent: string, text: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((part) => part !== '')) {
    const prefix = lines.length === 0 ? '# ' : '#   ';
    if (line !== '' && indent.length + prefix.length + line.length + 1 + word.length > COMMENT_WIDTH) {
      lines.push(`${indent}${prefix}${line}`);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(`${indent}${lines.length === 0 ? '# ' : '#   '}${line}`);
  return lines;
}
