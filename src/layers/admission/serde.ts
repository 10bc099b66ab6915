// A small typed-parse pass that mirrors what the webhook's deserializer (Rust serde) rejects
// before semantic validation: wrong JSON types, out-of-range integers, missing required
// fields and unknown enum variants. Messages use serde's wording so users can grep for them.

import type {PathPart} from '../../spec/fieldPath.js'
import {isRecord} from '../../spec/coerce.js'
import type {IssueSink} from './issues.js'

export type Shape =
  | {t: 'any'}
  | {t: 'string'}
  | {t: 'bool'}
  | {t: 'int'; name: 'u16' | 'u32' | 'i32' | 'i64'}
  | {t: 'quantity'}
  | {t: 'intOrString'}
  | {t: 'enum'; values: readonly string[]; rule?: string}
  | {t: 'list'; of: Shape}
  | {t: 'map'; of: Shape}
  | {t: 'struct'; name: string; fields: Record<string, Shape>; required?: readonly string[]}
  /** A value with its own rule (e.g. A4's resource type); returns a message or undefined. */
  | {t: 'custom'; rule: string; check: (v: unknown) => string | undefined}

const INT_RANGE = {u16: [0, 65535], u32: [0, 4294967295], i32: [-2147483648, 2147483647], i64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER]}

/** How serde_json names an unexpected value: `string "x"`, `integer `5``, `sequence`, ... */
export function unexpected(v: unknown): string {
  if (v === null || v === undefined) return 'null'
  if (typeof v === 'string') return `string ${JSON.stringify(v)}`
  if (typeof v === 'boolean') return `boolean \`${v}\``
  if (typeof v === 'number') return Number.isInteger(v) ? `integer \`${v}\`` : `floating point \`${v}\``
  if (Array.isArray(v)) return 'sequence'
  return 'map'
}

export function variants(values: readonly string[]): string {
  return values.length === 1 ? `\`${values[0]}\`` : `one of ${values.map((v) => `\`${v}\``).join(', ')}`
}

function expected(shape: Shape): string {
  switch (shape.t) {
    case 'string': return 'a string'
    case 'bool': return 'a boolean'
    case 'int': return shape.name
    case 'quantity': return 'a quantity'
    case 'intOrString': return 'an integer or a string'
    case 'enum': return variants(shape.values)
    case 'list': return 'a sequence'
    case 'map': return 'a map'
    case 'struct': return `struct ${shape.name}`
    default: return 'a value'
  }
}

/**
 * Walks `value` against `shape`, reporting through `sink` with `prefix` (e.g.
 * `failed to deserialize LatticeService: `). Null counts as absent for optional fields, as
 * for serde `Option`. Struct fields are visited in written order, missing ones after.
 */
export function checkShape(value: unknown, shape: Shape, path: PathPart[], sink: IssueSink, prefix: string): void {
  // One path stack for the whole walk (push/pop); the sink renders it only when it reports.
  walk(value, shape, [...path], sink, prefix)
}

function fail(sink: IssueSink, path: PathPart[], prefix: string, message: string, rule = 'parse'): void {
  sink.add(rule, path, prefix + message)
}

function invalidType(value: unknown, shape: Shape, path: PathPart[], sink: IssueSink, prefix: string): void {
  fail(sink, path, prefix, `invalid type: ${unexpected(value)}, expected ${expected(shape)}`, shape.t === 'enum' ? shape.rule : undefined)
}

function walk(value: unknown, shape: Shape, path: PathPart[], sink: IssueSink, prefix: string): void {
  switch (shape.t) {
    case 'any':
      return
    case 'string':
      if (typeof value !== 'string') invalidType(value, shape, path, sink, prefix)
      return
    case 'bool':
      if (typeof value !== 'boolean') invalidType(value, shape, path, sink, prefix)
      return
    case 'int': {
      if (typeof value !== 'number' || !Number.isInteger(value)) return invalidType(value, shape, path, sink, prefix)
      const [min, max] = INT_RANGE[shape.name]
      if (value < min || value > max) fail(sink, path, prefix, `invalid value: integer \`${value}\`, expected ${shape.name}`)
      return
    }
    case 'quantity':
    case 'intOrString':
      if (typeof value !== 'string' && typeof value !== 'number') invalidType(value, shape, path, sink, prefix)
      return
    case 'enum':
      if (typeof value !== 'string') return invalidType(value, shape, path, sink, prefix)
      if (!shape.values.includes(value)) fail(sink, path, prefix, `unknown variant \`${value}\`, expected ${variants(shape.values)}`, shape.rule)
      return
    case 'custom': {
      const message = shape.check(value)
      if (message !== undefined) fail(sink, path, prefix, message, shape.rule)
      return
    }
    case 'list':
      if (!Array.isArray(value)) return invalidType(value, shape, path, sink, prefix)
      for (let i = 0; i < value.length; i++) {
        path.push(i)
        walk(value[i], shape.of, path, sink, prefix)
        path.pop()
      }
      return
    case 'map':
      if (!isRecord(value)) return invalidType(value, shape, path, sink, prefix)
      for (const k of Object.keys(value)) {
        path.push(k)
        walk(value[k], shape.of, path, sink, prefix)
        path.pop()
      }
      return
    case 'struct':
      if (!isRecord(value)) return invalidType(value, shape, path, sink, prefix)
      for (const k of Object.keys(value)) {
        const v = value[k]
        const field = Object.hasOwn(shape.fields, k) ? shape.fields[k] : undefined
        if (field && v !== null && v !== undefined) {
          path.push(k)
          walk(v, field, path, sink, prefix)
          path.pop()
        }
      }
      for (const k of shape.required ?? []) {
        if (value[k] === undefined || value[k] === null) {
          path.push(k)
          sink.add('parse', path, `${prefix}missing field \`${k}\``)
          path.pop()
        }
      }
      return
  }
}
