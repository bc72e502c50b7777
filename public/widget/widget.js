// Threadline reference chat widget: plain ES2020, no framework, no build step, no inline code or styles (it runs
// under `script-src 'self'; style-src 'self'`). It talks to the widget API (default /widget/v1, or the
// `data-api-base` of the [data-threadline-widget] element) over JSON and Server-Sent Events.
//
// Every piece of text from the server is put in the page with textContent, never as HTML.
(() => {
  'use strict';

  const root = document.querySelector('[data-threadline-widget]');
  if (!root) return;

  const API_BASE = (root.getAttribute('data-api-base') || '/widget/v1').replace(/\/+$/, '');
  const TYPING_IDLE_MS = 3000; // typing:false after this long without input
  const AGENT_TYPING_TIMEOUT_MS = 30000; // hide the agent's indicator if its typing:false never comes
  const RECONNECT_MIN_MS = 1000;
  const RECONNECT_MAX_MS = 30000;
  const STILL_HERE_TEXT = "I'm still here";
  const STATE_RANK = { sending: 0, received: 1, failed: 2, delivered: 3 };
  const ENDED_TEXT = {
    agent: 'The agent ended this conversation.',
    idle: 'This conversation ended because there was no activity.',
    customer: 'You ended this conversation.',
  };

  const byTestId = (id) => root.querySelector(`[data-testid="${id}"]`);
  const ui = {
    status: byTestId('status'),
    empty: byTestId('empty-state'),
    list: byTestId('message-list'),
    typing: byTestId('typing-indicator'),
    error: byTestId('error'),
    errorText: byTestId('error-text'),
    errorRef: byTestId('error-ref'),
    errorRetry: byTestId('error-retry'),
    errorDismiss: byTestId('error-dismiss'),
    idle: byTestId('idle-prompt'),
    idleCountdown: byTestId('idle-countdown'),
    stillHere: byTestId('still-here'),
    ended: byTestId('ended-banner'),
    endedText: byTestId('ended-text'),
    startNew: byTestId('start-new'),
    form: byTestId('composer'),
    input: byTestId('message-input'),
    send: byTestId('send-button'),
    announcer: byTestId('announcer'),
  };

  const state = {
    channelId: null,
    token: null,
    customer: null,
    /** ThreadView, or null before the first conversation. */
    thread: null,
    /** Session and history loaded: the composer may be used (if the thread allows it). */
    ready: false,
    /** Messages in display order: {key, id, clientMessageId, author, text, createdAt, state, agentName, local, retryable, node}. */
    messages: [],
    /** Delivery states that arrived before their message (by id or clientMessageId). */
    pendingStates: new Map(),
    events: null,
    reconnectTimer: null,
    reconnectDelay: RECONNECT_MIN_MS,
    renewing: null,
    typingSent: false,
    typingTimer: null,
    agentTypingTimer: null,
    countdownTimer: null,
    /** Server clock minus ours (from the Date header), so the idle countdown matches the server's deadline. */
    clockOffsetMs: 0,
    errorRetry: null,
  };

  // ── small helpers ──────────────────────────────────────────────────────────────────────────────────────────────

  class ApiError extends Error {
    constructor(status, body) {
      const message = body && typeof body.message === 'string' && body.message ? body.message : fallbackMessage(status);
      super(message);
      this.status = status;
      this.requestId = body && typeof body.requestId === 'string' ? body.requestId : null;
      this.details = body && Array.isArray(body.details) ? body.details : null;
    }
  }

  function fallbackMessage(status) {
    if (status === 0) return 'Could not reach the chat service. Check your connection and try again.';
    if (status === 429) return 'You are sending messages too quickly. Please wait a moment and try again.';
    if (status >= 500) return 'The chat service is having trouble right now. Please try again in a moment.';
    return `The chat service answered with an error (${status}).`;
  }

  function storageGet(kind, key) {
    try {
      return window[kind].getItem(key);
    } catch {
      return null; // storage blocked (private mode, third-party iframe): the widget still works, without resuming
    }
  }

  function storageSet(kind, key, value) {
    try {
      if (value === null) window[kind].removeItem(key);
      else window[kind].setItem(key, value);
    } catch {
      // ignored, see storageGet
    }
  }

  const visitorKey = () => `threadline.widget.visitor.${state.channelId}`;
  const sessionKey = () => `threadline.widget.session.${state.channelId}`;

  /** A random id for a message we send (32 hex characters); getRandomValues works outside secure contexts too. */
  function newClientMessageId() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  const serverNow = () => Date.now() + state.clockOffsetMs;

  function noteServerClock(response) {
    const date = Date.parse(response.headers.get('date') || '');
    if (Number.isNaN(date)) return;
    const offset = date - Date.now();
    // The header has a resolution of one second: only correct clocks that are clearly off.
    state.clockOffsetMs = Math.abs(offset) > 2000 ? offset : 0;
  }

  function timeLabel(iso) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return '';
    return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  let announceTimer = null;
  /** Tells screen readers something once (the region is emptied first so a repeat is announced again). */
  function announce(text) {
    ui.announcer.textContent = '';
    clearTimeout(announceTimer);
    announceTimer = setTimeout(() => {
      ui.announcer.textContent = text;
    }, 100);
  }

  function setStatus(kind, text) {
    ui.status.dataset.state = kind;
    ui.status.textContent = text;
  }

  function showError(err, retry) {
    ui.errorText.textContent = err instanceof ApiError || err instanceof Error ? err.message : String(err);
    const ref = err instanceof ApiError ? err.requestId : null;
    ui.errorRef.textContent = ref ? `Reference: ${ref}` : '';
    ui.errorRef.hidden = !ref;
    state.errorRetry = retry || null;
    ui.errorRetry.hidden = !retry;
    ui.error.hidden = false;
  }

  function hideError() {
    ui.error.hidden = true;
    ui.errorText.textContent = '';
    state.errorRetry = null;
  }

  // ── HTTP ───────────────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * One JSON call to the widget API. Errors are thrown as ApiError carrying the server's `message`. A 401 on an
   * authenticated call (the session expired) gets a new session and is tried once more.
   */
  async function api(method, path, body, options = {}) {
    const { auth = true, renew = true, keepalive = false } = options;
    const headers = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (auth && state.token) headers.authorization = `Bearer ${state.token}`;
    let response;
    let text;
    try {
      response = await fetch(API_BASE + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
        keepalive,
      });
      text = await response.text();
    } catch {
      throw new ApiError(0, null);
    }
    noteServerClock(response);
    if (response.status === 401 && auth && renew) {
      await renewSession();
      return api(method, path, body, { ...options, renew: false });
    }
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null; // a proxy's HTML error page, say
      }
    }
    if (!response.ok) throw new ApiError(response.status, data && typeof data === 'object' ? data : null);
    return data;
  }

  // ── session ────────────────────────────────────────────────────────────────────────────────────────────────────

  function restoreSession() {
    const raw = storageGet('sessionStorage', sessionKey());
    if (!raw) return false;
    try {
      const saved = JSON.parse(raw);
      const expiresAt = Date.parse(saved.expiresAt);
      if (typeof saved.token !== 'string' || !(expiresAt - serverNow() > 60000)) return false;
      state.token = saved.token;
      state.customer = saved.customer || null;
      return true;
    } catch {
      return false;
    }
  }

  async function createSession() {
    const path = `/channels/${encodeURIComponent(state.channelId)}/sessions`;
    const visitorId = storageGet('localStorage', visitorKey());
    let session;
    try {
      session = await api('POST', path, visitorId ? { visitorId } : {}, { auth: false });
    } catch (err) {
      // A visitor id the server no longer knows (or refuses): start as a new visitor instead.
      if (!visitorId || !(err instanceof ApiError) || err.status < 400 || err.status >= 500 || err.status === 429) {
        throw err;
      }
      storageSet('localStorage', visitorKey(), null);
      session = await api('POST', path, {}, { auth: false });
    }
    if (!session || typeof session.token !== 'string') throw new Error('The chat service sent an unexpected answer.');
    state.token = session.token;
    state.customer = session.customer || null;
    storageSet(
      'sessionStorage',
      sessionKey(),
      JSON.stringify({ token: session.token, expiresAt: session.expiresAt, customer: state.customer }),
    );
    if (state.customer && typeof state.customer.id === 'string') {
      storageSet('localStorage', visitorKey(), state.customer.id);
    }
    return session;
  }

  /** A new session after a 401; concurrent callers share one request. The event stream follows the new token. */
  function renewSession() {
    if (!state.renewing) {
      state.token = null;
      storageSet('sessionStorage', sessionKey(), null);
      state.renewing = createSession()
        .then(() => {
          if (state.events) connectEvents();
        })
        .finally(() => {
          state.renewing = null;
        });
    }
    return state.renewing;
  }

  // ── start-up ───────────────────────────────────────────────────────────────────────────────────────────────────

  async function start() {
    hideError();
    setStatus('connecting', 'Connecting…');
    state.ready = false;
    updateComposer();
    try {
      if (!state.channelId) state.channelId = await findChannel();
      if (!restoreSession()) await createSession();
      await loadConversation();
      state.ready = true;
      updateComposer();
      updateEmptyState();
      connectEvents();
      if (document.activeElement === document.body || !root.contains(document.activeElement)) focusComposer();
    } catch (err) {
      setStatus('offline', 'Not connected');
      showError(err, start);
    }
  }

  async function findChannel() {
    const fromUrl = new URLSearchParams(window.location.search).get('channel');
    if (fromUrl) return fromUrl;
    try {
      const answer = await api('GET', '/demo-channel', undefined, { auth: false });
      if (!answer || typeof answer.channelId !== 'string') throw new Error('The chat service sent an unexpected answer.');
      return answer.channelId;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        throw new Error(
          'No chat channel is set up for this demo. Ask the administrator to configure one, ' +
            'or open this page with ?channel=<channel id> in the address.',
        );
      }
      throw err;
    }
  }

  /** The current conversation and its history, merged into what is shown (so it can run again after a reconnect). */
  async function loadConversation() {
    const answer = await api('GET', '/conversation');
    const thread = answer ? answer.thread || null : null;
    if (state.thread && thread && thread.id !== state.thread.id) clearMessages();
    applyThread(thread);
    for (const view of (answer && answer.messages) || []) upsertMessage(view, { scroll: false });
    scrollToBottom();
    updateEmptyState();
  }

  // ── the event stream ───────────────────────────────────────────────────────────────────────────────────────────

  function connectEvents() {
    closeEvents();
    const source = new EventSource(`${API_BASE}/events?token=${encodeURIComponent(state.token)}`);
    state.events = source;
    const on = (type, handler) =>
      source.addEventListener(type, (event) => {
        if (state.events !== source) return;
        let data;
        try {
          data = JSON.parse(event.data);
        } catch {
          return; // not ours to show
        }
        handler(data);
      });
    source.addEventListener('open', () => {
      if (state.events !== source) return;
      state.reconnectDelay = RECONNECT_MIN_MS;
      setStatus('connected', 'Connected');
      // The stream is live from here: the history brings what came before it (on the first connection, between the
      // page's first read and now; after a drop, the states changed meanwhile, the replay bringing the messages).
      loadConversation().catch(() => undefined);
    });
    source.addEventListener('error', () => {
      if (state.events !== source) return;
      if (source.readyState === EventSource.CLOSED) {
        // The server refused the stream (an expired token, a restart answering 5xx): EventSource gives up, we don't.
        setStatus('reconnecting', 'Reconnecting…');
        scheduleReconnect();
      } else {
        setStatus('reconnecting', 'Connection lost. Reconnecting…'); // EventSource retries by itself
      }
    });
    on('message', (view) => upsertMessage(view));
    on('message-state', applyMessageState);
    on('typing', applyAgentTyping);
    on('conversation', (data) => {
      if (data && data.thread) applyThread(data.thread);
    });
  }

  function closeEvents() {
    clearTimeout(state.reconnectTimer);
    state.reconnectTimer = null;
    if (state.events) state.events.close();
    state.events = null;
  }

  function scheduleReconnect() {
    closeEvents();
    state.reconnectTimer = setTimeout(async () => {
      try {
        await loadConversation(); // renews the session on a 401 and catches up on anything missed meanwhile
        connectEvents();
      } catch {
        setStatus('reconnecting', 'Reconnecting…');
        scheduleReconnect();
      }
    }, state.reconnectDelay);
    state.reconnectDelay = Math.min(Math.max(state.reconnectDelay * 2, RECONNECT_MIN_MS), RECONNECT_MAX_MS);
  }

  // ── messages ───────────────────────────────────────────────────────────────────────────────────────────────────

  function findMessage(id, clientMessageId) {
    return state.messages.find(
      (m) => (id && m.id === id) || (clientMessageId && m.author === 'customer' && m.clientMessageId === clientMessageId),
    );
  }

  function higherState(current, next) {
    if (!(next in STATE_RANK)) return current;
    if (!(current in STATE_RANK)) return next;
    return STATE_RANK[next] >= STATE_RANK[current] ? next : current;
  }

  function isMessageView(view) {
    return (
      view &&
      typeof view.id === 'string' &&
      typeof view.text === 'string' &&
      (view.author === 'customer' || view.author === 'agent' || view.author === 'system')
    );
  }

  /** Adds or updates a message from the server (merged by id, and by clientMessageId with our optimistic copy). */
  function upsertMessage(view, { scroll = true } = {}) {
    if (!isMessageView(view)) return;
    const stick = isNearBottom();
    let entry = findMessage(view.id, view.clientMessageId);
    if (entry) {
      entry.id = view.id;
      entry.text = view.text;
      entry.author = view.author;
      entry.createdAt = view.createdAt || entry.createdAt;
      entry.agentName = view.agentName || entry.agentName || null;
      // Our copy that failed to post (but reached the server after all) takes the server's state as it is.
      entry.state = entry.local && entry.state === 'failed' ? view.state : higherState(entry.state, view.state);
      entry.local = false;
      entry.retryable = false;
    } else {
      entry = {
        key: view.id,
        id: view.id,
        clientMessageId: view.clientMessageId || null,
        author: view.author,
        text: view.text,
        createdAt: view.createdAt,
        state: view.state,
        agentName: view.agentName || null,
        local: false,
        retryable: false,
        node: null,
      };
      insertInOrder(entry);
    }
    for (const key of [view.id, view.clientMessageId]) {
      if (key && state.pendingStates.has(key)) {
        entry.state = higherState(entry.state, state.pendingStates.get(key));
        state.pendingStates.delete(key);
      }
    }
    renderMessage(entry);
    if (view.author === 'agent') hideAgentTyping();
    updateEmptyState();
    if (scroll && (stick || view.author === 'customer')) scrollToBottom();
  }

  function applyMessageState(update) {
    if (!update || typeof update.state !== 'string') return;
    const entry = findMessage(update.id, update.clientMessageId);
    if (!entry) {
      // It may come before the message itself (or the answer to our POST): keep it for then.
      if (update.id) state.pendingStates.set(update.id, update.state);
      if (update.clientMessageId) state.pendingStates.set(update.clientMessageId, update.state);
      return;
    }
    if (update.id && !entry.id) entry.id = update.id;
    const before = entry.state;
    entry.state = entry.local && entry.retryable ? entry.state : higherState(entry.state, update.state);
    if (entry.state !== before) {
      renderMessage(entry);
      if (entry.state === 'failed') announce('One of your messages could not be delivered.');
    }
  }

  function insertInOrder(entry) {
    const time = Date.parse(entry.createdAt);
    let index = state.messages.length;
    if (!Number.isNaN(time)) {
      while (index > 0) {
        const previous = Date.parse(state.messages[index - 1].createdAt);
        if (Number.isNaN(previous) || previous <= time) break;
        index -= 1;
      }
    }
    entry.node = document.createElement('li');
    const next = state.messages[index];
    state.messages.splice(index, 0, entry);
    ui.list.insertBefore(entry.node, next ? next.node : null);
  }

  function stateLabel(entry) {
    switch (entry.state) {
      case 'sending':
        return 'Sending…';
      case 'delivered':
        return 'Delivered';
      case 'received':
        return 'Sent';
      case 'failed':
        return entry.local ? 'Not sent' : 'Not delivered';
      default:
        return '';
    }
  }

  function renderMessage(entry) {
    const li = entry.node;
    li.className = `msg msg--${entry.author}`;
    li.dataset.testid = 'message';
    li.dataset.author = entry.author;
    li.dataset.state = entry.state || '';
    if (entry.id) li.dataset.messageId = entry.id;
    if (entry.clientMessageId) li.dataset.clientMessageId = entry.clientMessageId;
    li.replaceChildren();

    const who = document.createElement('p');
    who.className = 'msg__who';
    if (entry.author === 'customer') {
      who.className += ' visually-hidden';
      who.textContent = 'You:';
    } else if (entry.author === 'agent') {
      who.textContent = entry.agentName || 'Agent';
    } else {
      who.className += ' visually-hidden';
      who.textContent = 'Notice:';
    }
    li.append(who);

    const text = document.createElement('p');
    text.className = 'msg__text';
    text.dataset.testid = 'message-text';
    text.textContent = entry.text;
    li.append(text);

    const meta = document.createElement('p');
    meta.className = 'msg__meta';
    const when = timeLabel(entry.createdAt);
    if (when && entry.author !== 'system') {
      const time = document.createElement('time');
      time.dateTime = entry.createdAt;
      time.textContent = when;
      meta.append(time);
    }
    if (entry.author === 'customer') {
      const label = document.createElement('span');
      label.className = 'msg__state';
      label.dataset.testid = 'message-state';
      label.dataset.state = entry.state;
      // Later changes of a state are not read out one by one; a failure is announced separately.
      label.setAttribute('aria-live', 'off');
      label.textContent = stateLabel(entry);
      meta.append(label);
      if (entry.local && entry.retryable && entry.state === 'failed') {
        const retry = document.createElement('button');
        retry.type = 'button';
        retry.className = 'msg__retry';
        retry.dataset.testid = 'message-retry';
        retry.textContent = 'Retry';
        retry.setAttribute('aria-label', `Retry sending: ${entry.text.slice(0, 60)}`);
        retry.addEventListener('click', () => {
          void postMessage(entry);
          focusComposer();
        });
        meta.append(retry);
      }
    }
    if (meta.childElementCount > 0) li.append(meta);
  }

  function clearMessages() {
    state.messages = [];
    state.pendingStates.clear();
    ui.list.replaceChildren();
    updateEmptyState();
  }

  function updateEmptyState() {
    ui.empty.hidden = state.messages.length > 0 || !state.ready;
  }

  function isNearBottom() {
    return ui.list.scrollHeight - ui.list.scrollTop - ui.list.clientHeight < 80;
  }

  function scrollToBottom() {
    ui.list.scrollTop = ui.list.scrollHeight;
    pinnedToBottom = true;
  }

  // When a banner, the idle prompt or an error appears below the list, the list gets shorter: keep the newest
  // message in sight unless the reader has scrolled up.
  let pinnedToBottom = true;
  ui.list.addEventListener('scroll', () => {
    pinnedToBottom = isNearBottom();
  });
  let listHeight = ui.list.clientHeight;
  if (typeof ResizeObserver === 'function') {
    new ResizeObserver(() => {
      // The scroll event of the shrink itself may already have unpinned us: count the shrink back in.
      const shrink = Math.max(0, listHeight - ui.list.clientHeight);
      const distance = ui.list.scrollHeight - ui.list.scrollTop - ui.list.clientHeight;
      listHeight = ui.list.clientHeight;
      if (pinnedToBottom || distance - shrink < 80) scrollToBottom();
    }).observe(ui.list);
  }

  // ── sending ────────────────────────────────────────────────────────────────────────────────────────────────────

  function canWrite() {
    if (!state.ready) return false;
    if (!state.thread) return true; // the first message starts the conversation
    return state.thread.status !== 'ended' && state.thread.canWrite !== false;
  }

  function sendText(raw) {
    const text = raw.trim();
    if (!text || !canWrite()) return;
    stopTyping();
    const entry = {
      key: null,
      id: null,
      clientMessageId: newClientMessageId(),
      author: 'customer',
      text,
      createdAt: new Date(serverNow()).toISOString(),
      state: 'sending',
      agentName: null,
      local: true,
      retryable: false,
      node: null,
    };
    entry.key = `local:${entry.clientMessageId}`;
    insertInOrder(entry);
    renderMessage(entry);
    updateEmptyState();
    scrollToBottom();
    void postMessage(entry);
  }

  /** POST /messages for a message shown optimistically (again, for a retry: the same clientMessageId). */
  async function postMessage(entry) {
    entry.state = 'sending';
    entry.retryable = false;
    renderMessage(entry);
    try {
      const view = await api('POST', '/messages', { clientMessageId: entry.clientMessageId, text: entry.text });
      if (isMessageView(view)) upsertMessage(view);
      else {
        entry.local = false;
        entry.state = higherState('sending', entry.state);
        renderMessage(entry);
      }
      if (ui.error.hidden === false && state.errorRetry === null) hideError();
      // A customer message cancels the idle end; the server confirms with a `conversation` event.
      if (state.thread && state.thread.status === 'idle-prompted') {
        applyThread({ ...state.thread, status: 'open', idleEndsAt: null });
      }
    } catch (err) {
      if (!entry.local) return; // the server's copy arrived meanwhile (by the event stream): it was accepted
      entry.state = 'failed';
      const status = err instanceof ApiError ? err.status : 0;
      entry.retryable = status === 0 || status === 429 || status >= 500;
      renderMessage(entry);
      showError(err);
      if (status === 409) await refreshAfterConflict();
    }
  }

  /** 409: the conversation was ended meanwhile. Show how it ended (the server's view, or ended by the agent). */
  async function refreshAfterConflict() {
    try {
      const answer = await api('GET', '/conversation');
      if (answer && answer.thread) {
        applyThread(answer.thread);
        if (answer.thread.status === 'ended') return;
      }
    } catch {
      // fall through to the local view below
    }
    if (state.thread && state.thread.status !== 'ended') {
      applyThread({ ...state.thread, status: 'ended', endedBy: 'agent', idleEndsAt: null, canWrite: false });
    }
  }

  async function startNewConversation() {
    ui.startNew.disabled = true;
    try {
      const thread = await api('POST', '/conversation', {});
      clearMessages();
      hideError();
      applyThread(thread);
      focusComposer();
    } catch (err) {
      showError(err);
      if (err instanceof ApiError && err.status === 409) await loadConversation().catch(() => undefined);
    } finally {
      ui.startNew.disabled = false;
    }
  }

  // ── typing ─────────────────────────────────────────────────────────────────────────────────────────────────────

  function postTyping(typing, keepalive = false) {
    api('POST', '/typing', { typing }, { keepalive }).catch(() => undefined); // best effort
  }

  function onInput() {
    if (!canWrite() || !state.token) return;
    if (ui.input.value.trim() === '') {
      stopTyping();
      return;
    }
    if (!state.typingSent) {
      state.typingSent = true;
      postTyping(true);
    }
    clearTimeout(state.typingTimer);
    state.typingTimer = setTimeout(() => stopTyping(), TYPING_IDLE_MS);
  }

  function stopTyping({ notify = true, keepalive = false } = {}) {
    clearTimeout(state.typingTimer);
    state.typingTimer = null;
    if (!state.typingSent) return;
    state.typingSent = false;
    if (notify) postTyping(false, keepalive);
  }

  function applyAgentTyping(data) {
    const ended = state.thread && state.thread.status === 'ended';
    if (!data || data.typing !== true || ended) {
      hideAgentTyping();
      return;
    }
    const name = typeof data.agentName === 'string' && data.agentName ? data.agentName : null;
    ui.typing.textContent = name ? `${name} is typing…` : 'The agent is typing…';
    ui.typing.hidden = false;
    clearTimeout(state.agentTypingTimer);
    state.agentTypingTimer = setTimeout(hideAgentTyping, AGENT_TYPING_TIMEOUT_MS);
  }

  function hideAgentTyping() {
    clearTimeout(state.agentTypingTimer);
    ui.typing.hidden = true;
    ui.typing.textContent = '';
  }

  // ── the conversation's status ──────────────────────────────────────────────────────────────────────────────────

  function applyThread(thread) {
    const previous = state.thread;
    state.thread = thread && typeof thread === 'object' ? thread : null;
    const status = state.thread ? state.thread.status : null;

    if (status === 'idle-prompted') showIdlePrompt(state.thread.idleEndsAt, !previous || previous.status !== status);
    else hideIdlePrompt();

    if (status === 'ended') {
      const focusWasHere = composerHasFocus();
      ui.endedText.textContent = ENDED_TEXT[state.thread.endedBy] || 'This conversation has ended.';
      ui.ended.hidden = false;
      hideAgentTyping();
      stopTyping({ notify: false });
      updateComposer();
      const isNew = !previous || previous.status !== 'ended' || previous.id !== state.thread.id;
      if (isNew) announce(ui.endedText.textContent);
      if (focusWasHere) ui.startNew.focus();
    } else {
      const focusWasOnStartNew = document.activeElement === ui.startNew;
      ui.ended.hidden = true;
      updateComposer();
      if (focusWasOnStartNew) focusComposer();
    }
  }

  function showIdlePrompt(idleEndsAt, isNew) {
    const endsAt = Date.parse(idleEndsAt || '');
    ui.idle.hidden = false;
    clearInterval(state.countdownTimer);
    const render = () => {
      if (Number.isNaN(endsAt)) {
        ui.idleCountdown.textContent = 'This conversation will end soon unless you reply.';
        delete ui.idleCountdown.dataset.seconds;
        return;
      }
      const seconds = Math.max(0, Math.ceil((endsAt - serverNow()) / 1000));
      ui.idleCountdown.dataset.seconds = String(seconds);
      ui.idleCountdown.textContent =
        seconds > 0
          ? `This conversation will end in ${seconds} second${seconds === 1 ? '' : 's'} unless you reply.`
          : 'Ending the conversation…';
      if (seconds === 0) clearInterval(state.countdownTimer);
    };
    render();
    if (!Number.isNaN(endsAt)) state.countdownTimer = setInterval(render, 250);
    if (isNew) announce(`Are you still there? ${ui.idleCountdown.textContent}`);
  }

  function hideIdlePrompt() {
    clearInterval(state.countdownTimer);
    state.countdownTimer = null;
    ui.idle.hidden = true;
  }

  // ── the composer ───────────────────────────────────────────────────────────────────────────────────────────────

  function composerHasFocus() {
    const active = document.activeElement;
    return active === ui.input || active === ui.send || active === ui.stillHere || active === document.body || !active;
  }

  function updateComposer() {
    const enabled = canWrite();
    ui.input.disabled = !enabled;
    ui.send.disabled = !enabled;
    let why = '';
    if (!enabled && state.ready) {
      why =
        state.thread && state.thread.status === 'ended'
          ? 'This conversation has ended.'
          : 'You cannot write in this conversation right now.';
    }
    ui.input.placeholder = why;
  }

  function focusComposer() {
    if (!ui.input.disabled) ui.input.focus();
  }

  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    sendText(ui.input.value);
    ui.input.value = '';
    focusComposer();
  });

  ui.input.addEventListener('keydown', (event) => {
    // Enter sends; Shift+Enter is a new line; Enter that ends an IME composition does neither.
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    sendText(ui.input.value);
    ui.input.value = '';
  });

  ui.input.addEventListener('input', onInput);

  ui.stillHere.addEventListener('click', () => {
    sendText(STILL_HERE_TEXT);
    focusComposer();
  });

  ui.startNew.addEventListener('click', () => void startNewConversation());

  ui.errorRetry.addEventListener('click', () => {
    const retry = state.errorRetry;
    hideError();
    if (retry) void retry();
  });

  ui.errorDismiss.addEventListener('click', () => {
    hideError();
    focusComposer();
  });

  window.addEventListener('online', () => {
    if (state.ready && !state.events) {
      state.reconnectDelay = 0;
      scheduleReconnect();
    }
  });

  window.addEventListener('pagehide', () => stopTyping({ keepalive: true }));

  void start();
})();
