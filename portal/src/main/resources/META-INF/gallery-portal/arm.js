// The public ARM API on this same origin (the front door), called as any ARM client does: bearer token, api-version
// per resource type, paging by nextLink, long-running operations by Azure-AsyncOperation, errors as
// {"error":{"code","message","target"}}.

export const API = {
  subscriptions: '2022-12-01',
  gallery: '2024-03-03', // galleries, definitions, versions (the Java SDK 2.46 to 2.55's)
  managedImage: '2024-07-01', // Microsoft.Compute/images: the Compute resource provider's own versions
  authorization: '2022-04-01',
  consumption: '2023-05-01',
  events: '2026-12-01', // Microsoft.Gallery/eventSubscribers: this system's own resource type
};

/** An ARM error answer: its code, message and target, and the request id to quote. */
export class ArmError extends Error {
  constructor(status, code, message, target, requestId) {
    super(message);
    this.status = status;
    this.code = code;
    this.target = target;
    this.requestId = requestId;
  }
}

let tokenSource = async () => null;
let onSignedOut = () => {};

export function configure(tokens, signedOut) {
  tokenSource = tokens;
  onSignedOut = signedOut;
}

function withVersion(path, apiVersion) {
  if (/^https?:/.test(path) || /[?&]api-version=/.test(path)) {
    return path;
  }
  return path + (path.includes('?') ? '&' : '?') + 'api-version=' + apiVersion;
}

/** One call; answers {status, body, headers}, or throws ArmError. */
export async function call(method, path, { apiVersion = API.gallery, body, raw } = {}) {
  const token = await tokenSource();
  if (!token) {
    onSignedOut();
    throw new ArmError(401, 'SignedOut', 'Your session has ended: sign in again.');
  }
  const headers = { Authorization: 'Bearer ' + token, 'x-ms-return-client-request-id': 'true',
    'x-ms-client-request-id': crypto.randomUUID() };
  let payload;
  if (raw !== undefined) {
    payload = raw;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const url = withVersion(path, apiVersion);
  if (new URL(url, location.origin).origin !== location.origin) {
    throw new ArmError(0, 'ForeignLink', 'The API answered a link to another site; it is not followed: ' + url);
  }
  let r;
  try {
    r = await fetch(url, { method, headers, body: payload });
  } catch (e) {
    throw new ArmError(0, 'NetworkError', 'The API cannot be reached: ' + e.message);
  }
  const text = await r.text();
  const json = parseJson(text);
  if (!r.ok) {
    throw failed(r.status, json, text || r.statusText, r.headers.get('x-ms-request-id'));
  }
  return { status: r.status, body: json, headers: r.headers };
}

function parseJson(text) {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/** The ArmError of a failed answer (its ARM body's code, message and target); a 401 ends the session. */
function failed(status, json, fallback, requestId) {
  const e = json && json.error ? json.error : {};
  if (status === 401) {
    onSignedOut();
  }
  return new ArmError(status, e.code || 'Http' + status, e.message || fallback, e.target, requestId);
}

/** A GET whose answer is a file (an invoice's CSV): its Blob, or throws ArmError as call() does. */
export async function download(path, apiVersion) {
  const token = await tokenSource();
  if (!token) {
    onSignedOut();
    throw new ArmError(401, 'SignedOut', 'Your session has ended: sign in again.');
  }
  let r;
  try {
    r = await fetch(withVersion(path, apiVersion), { headers: { Authorization: 'Bearer ' + token } });
  } catch (e) {
    throw new ArmError(0, 'NetworkError', 'The API cannot be reached: ' + e.message);
  }
  if (!r.ok) {
    const text = await r.text();
    throw failed(r.status, parseJson(text), text || r.statusText, r.headers.get('x-ms-request-id'));
  }
  return r.blob();
}

/**
 * A file streamed to the data plane with PUT, its progress reported (fetch cannot tell how much of a body has gone:
 * XMLHttpRequest's upload events can). Answers the body's JSON, or throws ArmError as call() does.
 */
/**
 * Streams a file to the data plane (PUT, the body as it is on disk), onProgress(sent, total) as it goes. An aborted
 * signal cancels it: the connection is cut before the body is whole, so the data plane stores nothing of it.
 */
export async function upload(path, file, onProgress = () => {}, signal = undefined) {
  const token = await tokenSource();
  if (!token) {
    onSignedOut();
    throw new ArmError(401, 'SignedOut', 'Your session has ended: sign in again.');
  }
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open('PUT', path);
    x.setRequestHeader('Authorization', 'Bearer ' + token);
    x.setRequestHeader('x-ms-return-client-request-id', 'true');
    x.setRequestHeader('x-ms-client-request-id', crypto.randomUUID());
    x.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded, e.total);
    };
    x.onerror = () => reject(new ArmError(0, 'NetworkError', 'The upload was cut off before the API answered.'));
    x.onabort = () => reject(new ArmError(0, 'Canceled', 'The upload was canceled.'));
    if (signal) {
      if (signal.aborted) {
        reject(new ArmError(0, 'Canceled', 'The upload was canceled.'));
        return;
      }
      signal.addEventListener('abort', () => x.abort(), { once: true });
    }
    x.onload = () => {
      const json = parseJson(x.responseText);
      if (x.status >= 200 && x.status < 300) {
        resolve(json);
        return;
      }
      reject(failed(x.status, json, x.statusText, x.getResponseHeader('x-ms-request-id')));
    };
    x.send(file);
  });
}

export const get = (path, apiVersion) => call('GET', path, { apiVersion }).then((r) => r.body);

/** Every item of a list, following nextLink page by page. */
export async function list(path, apiVersion) {
  const items = [];
  let next = withVersion(path, apiVersion);
  while (next) {
    const page = (await call('GET', next, { apiVersion })).body;
    items.push(...(page.value || []));
    next = page.nextLink || null;
  }
  return items;
}

/**
 * A write that may run on (a version's PUT, PATCH or DELETE): when the answer names an Azure-AsyncOperation (or a
 * Location), the operation is polled after each Retry-After until it ends; onProgress sees each status. Answers the
 * first answer's body; a Failed or Canceled operation throws its error.
 */
export async function write(method, path, { apiVersion = API.gallery, body, onProgress = () => {} } = {}) {
  const first = await call(method, path, { apiVersion, body });
  const operation = first.headers.get('Azure-AsyncOperation');
  const result = first.headers.get('Location');
  if (!operation && !(result && first.status === 202)) {
    return first.body;
  }
  let wait = retryAfter(first.headers);
  for (;;) {
    await new Promise((done) => setTimeout(done, wait));
    if (operation) {
      const r = await call('GET', operation, { apiVersion });
      onProgress(r.body.status);
      if (r.body.status === 'Succeeded') {
        return first.body;
      }
      if (r.body.status === 'Failed' || r.body.status === 'Canceled') {
        const e = r.body.error || {};
        throw new ArmError(200, e.code || r.body.status, e.message || 'The operation ' + r.body.status + '.',
          e.target, r.headers.get('x-ms-request-id'));
      }
      wait = retryAfter(r.headers);
    } else {
      const r = await call('GET', result, { apiVersion });
      if (r.status !== 202) {
        return first.body;
      }
      onProgress('InProgress');
      wait = retryAfter(r.headers);
    }
  }
}

function retryAfter(headers) {
  const s = Number(headers.get('Retry-After'));
  return Number.isFinite(s) && s > 0 ? Math.min(s, 30) * 1000 : 1000;
}

/** The parts of an ARM id: {subscription, resourceGroup, gallery, image, version, name}. */
export function parse(id) {
  const parts = id.split('/').filter(Boolean);
  const out = {};
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const key = parts[i].toLowerCase();
    const value = decodeURIComponent(parts[i + 1]);
    if (key === 'subscriptions') out.subscription = value;
    else if (key === 'resourcegroups') out.resourceGroup = value;
    else if (key === 'galleries') out.gallery = value;
    else if (key === 'images') out.image = value;
    else if (key === 'versions') out.version = value;
  }
  return out;
}
