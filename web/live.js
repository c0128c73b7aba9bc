// cashtag dashboard: how the page talks to an API that may require a token (API_TOKEN).
//
// The token is given once in the page's address as a fragment, /#token=..., which the browser
// never sends to any server (nor in a Referer); the page moves it into this tab's
// sessionStorage, takes it out of the address bar and history, and sends it only as an
// `Authorization: Bearer` header to its own origin. No cookie (a cookie would also go to every
// other port of the host) and no token in a URL. Because EventSource cannot send headers, the
// live stream is read with fetch and parsed here (the text/event-stream format: `event:` and
// `data:` lines, a blank line ends an event, lines starting with ':' are comments).
/* global fetch, history, location, sessionStorage, TextDecoderStream */
'use strict';

// One scope for this file: classic scripts share the page's global scope with app.js.
(() => {
  const TOKEN_KEY = 'cashtag-api-token';

  /** Moves a #token=... of the address into sessionStorage; the token of this tab, or null. */
  function takeToken() {
    const parts = location.hash.slice(1).split('&').filter(Boolean);
    const given = parts.find((p) => p.startsWith('token='));
    if (given !== undefined) {
      sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(given.slice('token='.length)));
      const rest = parts.filter((p) => p !== given);
      history.replaceState(null, '', `${location.pathname}${location.search}${rest.length ? `#${rest.join('&')}` : ''}`);
    }
    return sessionStorage.getItem(TOKEN_KEY);
  }

  const token = takeToken();

  const withToken = (headers) => (token ? { ...headers, authorization: `Bearer ${token}` } : headers);

  class ApiError extends Error {
    constructor(path, status) {
      super(status === 401 ? 'this server needs its API token: open the page as /#token=<API_TOKEN>' : `${path}: ${status}`);
      this.status = status;
    }
  }

  async function api(path) {
    const res = await fetch(path, { headers: withToken({ accept: 'application/json' }) });
    if (!res.ok) throw new ApiError(path, res.status);
    return res.json();
  }

  /** Splits a text/event-stream block into its event name and data (null: no data, not an event). */
  function parseEvent(block) {
    let name = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) name = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    return data.length ? { name, data: data.join('\n') } : null;
  }

  /** Reads the stream at `path` until it ends or `signal` aborts, calling onOpen once and onEvent(name, data) per event. */
  async function readEvents(path, signal, onOpen, onEvent) {
    const res = await fetch(path, { headers: withToken({ accept: 'text/event-stream' }), signal, cache: 'no-store' });
    if (!res.ok) throw new ApiError(path, res.status);
    onOpen();
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replace(/\r\n?/g, '\n');
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const event = parseEvent(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (event) onEvent(event.name, event.data);
      }
    }
  }

  globalThis.cashtag = { api, readEvents };
})();
