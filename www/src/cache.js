// The persistent last-good snapshot: one small interface over localStorage (browsers),
// the Cache API (workers) or memory (elsewhere), guarded so that an older version never
// overwrites a newer one. Only the client writes here, and only snapshots the engine accepted.

/**
 * @typedef {{text: string, etag: string | null, version: number, sig?: string | null}} CacheEntry
 *   `sig`: the snapshot's signature file, kept so that a client with trusted keys verifies the entry again
 * @typedef {{get(): CacheEntry | null | Promise<CacheEntry | null>,
 *            set(entry: CacheEntry): void | Promise<void>}} SnapshotStorage
 */

const PREFIX = 'edgeflag:snapshot:';
const CACHE_NAME = 'edgeflag';
const memory = new Map(); // shared by every client of this JS realm, keyed by snapshot URL

/**
 * Storage in memory, private to the object returned: pass one to several clients to share it.
 * @returns {SnapshotStorage}
 */
export function memoryStorage() {
  return mapStorage(new Map(), '');
}

/**
 * Storage in memory under `key` of `map`: memoryStorage's own map, or (the default where there is no other
 * storage) the map shared by every client of this JS realm, keyed by snapshot URL.
 */
function mapStorage(map, key) {
  return {
    kind: 'memory',
    get: () => map.get(key) ?? null,
    set: (entry) => { map.set(key, entryOf(entry)); },
  };
}

/**
 * Storage in a Web Storage object (`localStorage`), one item per snapshot URL. Synchronous, so a
 * page serves the cached snapshot at once. A quota error surfaces from `set` (the client reports it).
 * @param {Storage} store
 * @param {string} key
 * @returns {SnapshotStorage}
 */
export function webStorage(store, key) {
  const item = PREFIX + key;
  return {
    kind: 'localStorage',
    get() {
      return parseEntry(store.getItem(item)); // (no item: null, which parses as null)
    },
    set(entry) {
      const { text, ...rest } = entryOf(entry);
      store.setItem(item, JSON.stringify({ ...rest, text }));
    },
  };
}

/**
 * Storage in the Cache API: `caches.default` (Cloudflare Workers) or `caches.open('edgeflag')`.
 * The entry is a Response under the snapshot URL with `edgeflag-last-good=1` added to its query,
 * so it never collides with the CDN's own cached copy.
 * @param {CacheStorage & {default?: Cache}} cacheStorage
 * @param {string} url the snapshot URL
 * @returns {SnapshotStorage}
 */
export function cacheApiStorage(cacheStorage, url) {
  const key = cacheKey(url);
  let opened;
  const open = () => (opened ??= cacheStorage.default ? Promise.resolve(cacheStorage.default) : cacheStorage.open(CACHE_NAME));
  return {
    kind: 'cache',
    async get() {
      const res = await (await open()).match(key);
      if (!res) return null;
      const version = Number(res.headers.get('x-edgeflag-version'));
      if (!Number.isSafeInteger(version)) return null;
      const sig = res.headers.get('x-edgeflag-sig');
      return entryOf({ text: await res.text(), etag: res.headers.get('x-edgeflag-etag') || null, version,
        sig: sig ? safeDecode(sig) : null });
    },
    async set(entry) {
      const headers = {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'public, max-age=31536000',
        'x-edgeflag-version': String(entry.version),
      };
      if (entry.etag) headers['x-edgeflag-etag'] = entry.etag;
      if (entry.sig) headers['x-edgeflag-sig'] = encodeURIComponent(entry.sig);
      await (await open()).put(key, new Response(entry.text, { headers }));
    },
  };
}

/** A storage that keeps nothing (`storage: false`). */
function noStorage() {
  return { kind: 'none', get: () => null, set: () => {} };
}

/**
 * Picks the storage for a client: `false` → none; an object with `get`/`set` → that object;
 * otherwise localStorage when usable, else the Cache API when present, else memory.
 * @param {SnapshotStorage | false | undefined} option
 * @param {string} url the snapshot URL (the key)
 * @param {typeof globalThis} [env]
 * @returns {SnapshotStorage}
 */
export function selectStorage(option, url, env = globalThis) {
  if (option === false) return noStorage();
  if (option != null) {
    if (typeof option.get !== 'function' || typeof option.set !== 'function') {
      throw new TypeError('storage must be false or an object with get() and set(entry)');
    }
    return option;
  }
  const ls = usableLocalStorage(env);
  if (ls) return webStorage(ls, url);
  if (env.caches && (env.caches.default || typeof env.caches.open === 'function')) return cacheApiStorage(env.caches, url);
  return mapStorage(memory, url);
}

/**
 * Wraps a storage with the rules the client relies on: reads never throw and return only
 * well-formed entries; a write of an older version than the stored one is skipped (unless `set`'s `allowOlder`).
 * @param {SnapshotStorage} storage
 */
export function guardStorage(storage) {
  return {
    kind: storage.kind ?? 'custom',
    /** @returns {CacheEntry | null | Promise<CacheEntry | null>} never throws, never rejects */
    get() {
      try {
        const got = storage.get();
        return isThenable(got) ? Promise.resolve(got).then(checkEntry, () => null) : checkEntry(got);
      } catch {
        return null;
      }
    },
    /**
     * @param {CacheEntry} entry
     * @param {boolean} [allowOlder] write it even over a newer version
     * @returns {Promise<boolean>} whether it was written; rejects when the storage failed
     */
    async set(entry, allowOlder) {
      if (!allowOlder) {
        const current = await this.get();
        if (current && current.version > entry.version) return false;
      }
      await storage.set(entryOf(entry));
      return true;
    },
  };
}

function checkEntry(entry) {
  if (!entry || typeof entry !== 'object') return null;
  const { text, etag = null, version } = entry;
  if (typeof text !== 'string' || !Number.isSafeInteger(version) || version < 0) return null;
  return entryOf({ text, etag: typeof etag === 'string' && etag ? etag : null, version, sig: entry.sig });
}

/** A copy of an entry with its known fields; `sig` only when there is one (a non-empty string). */
function entryOf(entry) {
  const out = { text: entry.text, etag: entry.etag ?? null, version: entry.version };
  if (typeof entry.sig === 'string' && entry.sig) out.sig = entry.sig;
  return out;
}

function parseEntry(raw) {
  try { return checkEntry(JSON.parse(raw)); } catch { return null; }
}

function usableLocalStorage(env) {
  try {
    const ls = env.localStorage; // the getter itself throws where storage is blocked
    if (!ls || typeof ls.getItem !== 'function') return null;
    const probe = PREFIX + 'probe';
    ls.setItem(probe, '1'); // throws in some private modes
    ls.removeItem(probe);
    return ls;
  } catch {
    return null;
  }
}

function cacheKey(url) {
  const u = new URL(url, globalThis.location?.href);
  u.searchParams.set('edgeflag-last-good', '1');
  return u.href;
}

function safeDecode(s) {
  try { return decodeURIComponent(s); } catch { return null; }
}

export function isThenable(v) {
  return v != null && typeof v.then === 'function';
}
