// SPDX-License-Identifier: Apache-2.0
/**
 * The result union returned by every parser and backend call that handles guest- or
 * frontend-controlled input. Owns nothing else; must not know any protocol.
 */
export type Result<T, E> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function err<E>(error: E): { readonly ok: false; readonly error: E } {
  return { ok: false, error };
}
