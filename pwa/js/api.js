// fetch() for the sync API, mapping every failure to an error class the app can act on:
// OfflineError (no answer at all), RevokedError, AuthError (enrol again), TooLargeError (split
// the batch), ServerError (5xx: try later) and ApiError (anything else, with the server's
// sentence). See docs/sync-protocol.md.

import { T } from './strings.js';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}
export class OfflineError extends ApiError {
  constructor(message) { super(0, 'offline', message); this.name = 'OfflineError'; }
}
export class ServerError extends ApiError { constructor(...a) { super(...a); this.name = 'ServerError'; } }
export class RevokedError extends ApiError { constructor(...a) { super(...a); this.name = 'RevokedError'; } }
export class AuthError extends ApiError { constructor(...a) { super(...a); this.name = 'AuthError'; } }
export class InactiveError extends ApiError { constructor(...a) { super(...a); this.name = 'InactiveError'; } }
export class TooLargeError extends ApiError { constructor(...a) { super(...a); this.name = 'TooLargeError'; } }

const TIMEOUT_MS = 60000;

function errorFor(status, code, message) {
  if (status === 401 && code === 'device_revoked') return new RevokedError(status, code, message);
  if (status === 401 && code === 'user_inactive') return new InactiveError(status, code, message);
  if (status === 401) return new AuthError(status, code, message);
  if (status === 413) return new TooLargeError(status, code, message);
  if (status >= 500) return new ServerError(status, code, message);
  return new ApiError(status, code, message);
}

/** One JSON call; resolves with the parsed answer of a 2xx, rejects with an ApiError otherwise. */
export async function call(method, path, { token, body, timeout = TIMEOUT_MS } = {}) {
  const headers = {};
  if (token) headers.authorization = 'Bearer ' + token;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeout);
  let response;
  try {
    response = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store', credentials: 'omit', signal: controller.signal,
    });
  } catch (error) {
    throw new OfflineError(String(error && error.message || error));
  } finally {
    clearTimeout(timer);
  }
  let answer = null;
  try {
    answer = await response.json();
  } catch {
    // a proxy's HTML page, a cut-off body: no envelope
  }
  if (response.ok && answer !== null) return answer;
  const code = (answer && answer.code) || `http_${response.status}`;
  const message = (answer && answer.error) || T.serverSaid(response.status);
  if (response.ok) throw new ServerError(response.status, 'bad_answer', T.badAnswer);
  throw errorFor(response.status, code, message);
}

export const enrol = (code, deviceName) => call('POST', '/api/enrol', { body: { code, device_name: deviceName } });
export const push = (token, mutations) => call('POST', '/api/sync/push', { token, body: { mutations } });
export function pull(token, cursor, limit) {
  const query = new URLSearchParams({ limit: String(limit) });
  if (cursor) query.set('cursor', cursor);
  return call('GET', '/api/sync/pull?' + query, { token });
}
export const phoneInfo = (token) => call('GET', '/api/device', { token });
export const uploadRecoveryKey = (token, key) =>
  call('PUT', '/api/device/recovery-key', { token, body: { recovery_key: key } });
export const recover = (recoveryToken, code) => call('POST', '/api/recovery', { token: recoveryToken, body: { code } });
