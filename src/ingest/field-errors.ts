// zod issues → field errors that a device or a user can act on: each message names the field,
// says what is accepted and what was received, e.g.
//   ts looks like epoch seconds (2025-12-03T18:03:20.000Z), not milliseconds (…): send epoch
//   milliseconds (1764785000000) or ISO 8601 with a zone; received 1764785000
// Schemas word what is accepted as a phrase that follows the field's name ("must be …", "is …");
// `acceptedForm` words zod's own checks the same way where a schema does not. Parse with
// PARSE_OPTIONS so that every issue carries its input and no zod default message is left.
import type { z } from 'zod';
import type { FieldError } from '../metrology/types.ts';

const TYPE_NAMES: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'text (a JSON string)',
  boolean: 'true or false',
  object: 'a JSON object',
  array: 'a JSON array',
  null: 'null',
};

type Issue = z.core.$ZodRawIssue | z.core.$ZodIssue;

/** What a check of zod's accepts, phrased after the field's name (zod's error map). */
export function acceptedForm(iss: Issue): string {
  switch (iss.code) {
    case 'invalid_type':
      return `must be ${TYPE_NAMES[iss.expected] ?? iss.expected}`;
    case 'too_big': {
      const max = String(iss.maximum);
      if (iss.origin === 'string') return `must be at most ${max} characters long`;
      if (iss.origin === 'array' || iss.origin === 'set') return `must hold at most ${max} items`;
      return iss.inclusive === false ? `must be less than ${max}` : `must be at most ${max}`;
    }
    case 'too_small': {
      const min = String(iss.minimum);
      if (iss.origin === 'string') return min === '1' ? 'must not be empty' : `must be at least ${min} characters long`;
      if (iss.origin === 'array' || iss.origin === 'set') return `must hold at least ${min} item${min === '1' ? '' : 's'}`;
      return iss.inclusive === false ? `must be greater than ${min}` : `must be at least ${min}`;
    }
    case 'invalid_value':
      return `must be one of ${iss.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_format':
      return 'pattern' in iss && iss.pattern ? `must match ${String(iss.pattern)}` : `must be in ${iss.format} format`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(iss.divisor)}`;
    case 'unrecognized_keys':
      return `holds fields that are not accepted here: ${iss.keys.join(', ')}`;
    case 'invalid_union':
      return 'matches none of the accepted forms';
    case 'invalid_key':
    case 'invalid_element':
      return 'holds a key or an element that is not accepted';
    default:
      return 'is not accepted';
  }
}

/** safeParse options: issues keep their input, and zod's own checks are worded by acceptedForm. */
export const PARSE_OPTIONS = { reportInput: true, error: (iss: z.core.$ZodRawIssue) => acceptedForm(iss) } as const;

const MAX_SHOWN = 60;
/** Fields whose value a message does not repeat: secrets, and URLs (they may hold credentials). */
const SECRET_FIELD = /secret|password|token|url$/i;

/** A received value as a message shows it: JSON, cut short. */
export function shown(v: unknown): string {
  if (v === undefined) return 'nothing';
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  const chars = [...s];
  return chars.length > MAX_SHOWN ? `${chars.slice(0, MAX_SHOWN).join('')}… (${chars.length} characters)` : s;
}

/**
 * The issues as field errors: path `prefix.field`, message "<field> <what is accepted>; received
 * <value>" ("<field> is missing: it <…>" for an absent field). `subject` names the whole value
 * when the issue is about it (path `(root)`), e.g. "the reading".
 */
export function describeIssues(error: z.ZodError, prefix = '', subject = 'the message'): FieldError[] {
  return error.issues.map((i) => {
    const path = [prefix, ...i.path.map(String)].filter((s) => s !== '').join('.');
    const field = i.path.length > 0 ? path : prefix ? `${prefix} (${subject})` : subject;
    let input = (i as { input?: unknown }).input;
    // A refinement of an object that names one of its fields gets the whole object as input: show the field.
    const key = i.path[i.path.length - 1];
    if (i.code === 'custom' && key !== undefined && input !== null && typeof input === 'object' && !Array.isArray(input) && String(key) in input) {
      input = (input as Record<string, unknown>)[String(key)];
    }
    const missing = input === undefined && i.path.length > 0;
    const secret = SECRET_FIELD.test(String(i.path[i.path.length - 1] ?? ''));
    const message = missing
      ? `${field} is missing: it ${i.message}`
      : `${field} ${i.message}; received ${secret ? 'a value not repeated here (it may hold credentials)' : shown(input)}`;
    return { path: path || '(root)', message };
  });
}
