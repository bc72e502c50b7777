/*
 * Threadline operator console: campaigns, their live progress and recipients, new campaigns from a CSV with their
 * pre-flight, conversations and consent. Plain JavaScript, no build step. Every call goes to the admin API of the
 * origin that served the page, with the admin API key the operator typed in (kept in sessionStorage only: it goes
 * when the tab closes). Nothing here is a secret; what the key may do is decided by the API and its scopes.
 */
(function () {
  'use strict';

  var KEY_STORAGE = 'threadline.console.apiKey';
  var API = '/api/v1';
  var CHART_POINTS = 300; // five minutes at one progress event a second
  var RECIPIENTS_PAGE = 25;
  var FAILURE_REASONS = ['TRANSIENT', 'RATE_LIMITED', 'AUTH', 'REJECTED', 'INVALID'];
  var RECIPIENT_STATUSES = [
    'PENDING',
    'QUEUED',
    'SENDING',
    'SENT',
    'FAILED',
    'SKIPPED_OPTED_OUT',
    'SKIPPED_INVALID',
    'SKIPPED_WINDOW',
    'CANCELLED',
  ];
  var CAMPAIGN_STATUSES = ['DRAFT', 'SCHEDULED', 'RUNNING', 'PAUSED', 'COMPLETED', 'CANCELLED'];
  var FINAL = { COMPLETED: true, CANCELLED: true };

  var view = document.querySelector('[data-testid="view"]');
  var nav = document.querySelector('[data-testid="nav"]');
  var errorBox = document.querySelector('[data-testid="error"]');
  var errorText = document.querySelector('[data-testid="error-text"]');
  var announcer = document.querySelector('[data-testid="announcer"]');
  var dialog = document.querySelector('[data-testid="confirm"]');

  /** What the current page started (streams, timers, observers): stopped when the operator goes elsewhere. */
  var pageCleanups = [];
  var channelsCache = null;

  // ── small helpers ──────────────────────────────────────────────────────────────────────────────────────────────

  /** Builds an element: props.class, props.text, props.attrs, props.on{event}; children are nodes or strings. */
  function el(tag, props, children) {
    var node = document.createElement(tag);
    props = props || {};
    Object.keys(props).forEach(function (name) {
      var value = props[name];
      if (value === undefined || value === null || value === false) return;
      if (name === 'class') node.className = value;
      else if (name === 'text') node.textContent = String(value);
      else if (name === 'attrs') {
        Object.keys(value).forEach(function (a) {
          if (value[a] !== undefined && value[a] !== null && value[a] !== false) node.setAttribute(a, String(value[a]));
        });
      } else if (name.slice(0, 2) === 'on') node.addEventListener(name.slice(2), value);
      else node[name] = value;
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      node.appendChild(
        typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child,
      );
    });
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function fmtNumber(n) {
    return n === null || n === undefined ? '–' : Number(n).toLocaleString('en-GB');
  }

  /** "1 recipient", "1,200 recipients". */
  function recipientsText(n) {
    return fmtNumber(n) + (n === 1 ? ' recipient' : ' recipients');
  }

  function fmtPercent(ratio) {
    return ratio === null || ratio === undefined ? '–' : (Math.round(ratio * 1000) / 10).toLocaleString('en-GB') + ' %';
  }

  function fmtDuration(seconds) {
    if (seconds === null || seconds === undefined) return '–';
    seconds = Math.max(0, Math.round(seconds));
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    if (h > 0) return h + ' h ' + m + ' min';
    if (m > 0) return m + ' min ' + s + ' s';
    return s + ' s';
  }

  function fmtTime(iso) {
    if (!iso) return '–';
    var d = new Date(iso);
    return isNaN(d.getTime()) ? iso : d.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium' });
  }

  function label(status) {
    return String(status || '')
      .toLowerCase()
      .replace(/_/g, ' ');
  }

  function badge(status) {
    return el('span', {
      class: 'badge badge--' + String(status).toLowerCase(),
      text: label(status),
      attrs: { 'data-testid': 'status' },
    });
  }

  function announce(text) {
    announcer.textContent = '';
    // a separate task, so screen readers hear the same text twice in a row too
    window.setTimeout(function () {
      announcer.textContent = text;
    }, 0);
  }

  function showError(err) {
    errorText.textContent = messageOf(err);
    errorBox.hidden = false;
  }

  function hideError() {
    errorBox.hidden = true;
    errorText.textContent = '';
  }

  function messageOf(err) {
    if (err instanceof ApiError) return err.message;
    if (err && err.name === 'TypeError') return 'The service did not answer (' + err.message + '). Is it running?';
    return err && err.message ? err.message : String(err);
  }

  // ── the admin API ──────────────────────────────────────────────────────────────────────────────────────────────

  function ApiError(status, message, details) {
    this.name = 'ApiError';
    this.status = status;
    this.details = details || [];
    var extra = this.details
      .map(function (d) {
        return d && d.field ? d.field + ': ' + (d.problems || []).join(', ') : '';
      })
      .filter(Boolean)
      .join('; ');
    this.message = message + (extra && message.indexOf(extra) < 0 ? ' (' + extra + ')' : '');
  }
  ApiError.prototype = Object.create(Error.prototype);

  function apiKey() {
    return window.sessionStorage.getItem(KEY_STORAGE);
  }

  function headers(extra) {
    var h = { authorization: 'Bearer ' + apiKey() };
    Object.keys(extra || {}).forEach(function (k) {
      h[k] = extra[k];
    });
    return h;
  }

  /** The API's own error, `{statusCode, error, message, details?}`, as an ApiError; anything else said plainly. */
  function failure(response, signingIn) {
    return response.text().then(function (text) {
      var body = null;
      try {
        body = JSON.parse(text);
      } catch (e) {
        body = null;
      }
      var message =
        body && typeof body.message === 'string'
          ? body.message
          : 'The service answered ' +
            response.status +
            ' ' +
            (response.statusText || '') +
            (text ? ': ' + text.slice(0, 200) : '');
      var err = new ApiError(response.status, message, body && Array.isArray(body.details) ? body.details : []);
      // a key that stopped working (revoked, expired) signs the tab out; the sign-in form shows its own refusal
      if (response.status === 401 && !signingIn) {
        signOut('Signed out: ' + message);
      }
      throw err;
    });
  }

  function api(path, options) {
    options = options || {};
    var init = { method: options.method || 'GET', headers: headers(options.headers), signal: options.signal };
    if (options.json !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(options.json);
    } else if (options.body !== undefined) {
      init.body = options.body;
    }
    return fetch(API + path, init).then(function (response) {
      if (!response.ok) return failure(response, options.signingIn);
      if (options.raw) return response;
      if (response.status === 204) return null;
      return response.json();
    });
  }

  /** The registered channels; `fresh` reads them again (the forms that choose one), else the list read last. */
  function channels(fresh) {
    if (channelsCache && !fresh) return Promise.resolve(channelsCache);
    return api('/channels').then(function (list) {
      channelsCache = Array.isArray(list) ? list : list.data || [];
      return channelsCache;
    });
  }

  /**
   * Server-Sent Events over fetch (EventSource cannot send the Authorization header): calls onEvent(type, data) for
   * each event until the stream ends (then onEnd), the signal aborts, or it fails (onError, after which it is
   * reconnected after a pause unless aborted).
   */
  function eventStream(path, signal, onEvent, onEnd) {
    function connect() {
      fetch(API + path, { headers: headers({ accept: 'text/event-stream' }), signal: signal })
        .then(function (response) {
          if (!response.ok) return failure(response);
          var reader = response.body.getReader();
          var decoder = new TextDecoder();
          var buffer = '';
          function pump() {
            return reader.read().then(function (chunk) {
              if (chunk.done) {
                onEnd();
                return undefined;
              }
              buffer += decoder.decode(chunk.value, { stream: true });
              var parts = buffer.split(/\r?\n\r?\n/);
              buffer = parts.pop();
              parts.forEach(function (block) {
                var type = 'message';
                var data = [];
                block.split(/\r?\n/).forEach(function (line) {
                  if (line.indexOf('event:') === 0) type = line.slice(6).trim();
                  else if (line.indexOf('data:') === 0) data.push(line.slice(5).replace(/^ /, ''));
                });
                if (data.length > 0) {
                  try {
                    onEvent(type, JSON.parse(data.join('\n')));
                  } catch (e) {
                    showError(e);
                  }
                }
              });
              return pump();
            });
          }
          return pump();
        })
        .catch(function (err) {
          if (signal.aborted) return;
          if (err instanceof ApiError && (err.status === 401 || err.status === 403 || err.status === 404)) {
            showError(err);
            return;
          }
          // the service restarted or the network blinked: carry on where the numbers are
          window.setTimeout(function () {
            if (!signal.aborted) connect();
          }, 3000);
        });
    }
    connect();
  }

  function onLeave(fn) {
    pageCleanups.push(fn);
  }

  /** An AbortController the current page owns: aborted when the operator leaves the page. */
  function pageSignal() {
    var controller = new AbortController();
    onLeave(function () {
      controller.abort();
    });
    return controller.signal;
  }

  // ── confirm dialog ─────────────────────────────────────────────────────────────────────────────────────────────

  /** Asks before doing something; resolves true when the operator confirms (Escape or "Keep as is" is false). */
  function confirmAction(title, text, action) {
    document.querySelector('[data-testid="confirm-title"]').textContent = title;
    document.querySelector('[data-testid="confirm-text"]').textContent = text;
    var yes = document.querySelector('[data-testid="confirm-yes"]');
    var no = document.querySelector('[data-testid="confirm-no"]');
    yes.textContent = action;
    var opener = document.activeElement;
    return new Promise(function (resolve) {
      function done(answer) {
        yes.removeEventListener('click', onYes);
        no.removeEventListener('click', onNo);
        dialog.removeEventListener('cancel', onNo);
        if (dialog.open) dialog.close();
        if (opener && opener.focus) opener.focus();
        resolve(answer);
      }
      function onYes() {
        done(true);
      }
      function onNo(event) {
        if (event) event.preventDefault();
        done(false);
      }
      yes.addEventListener('click', onYes);
      no.addEventListener('click', onNo);
      dialog.addEventListener('cancel', onNo);
      dialog.showModal();
      no.focus();
    });
  }

  // ── sign in ────────────────────────────────────────────────────────────────────────────────────────────────────

  function signOut(reason) {
    window.sessionStorage.removeItem(KEY_STORAGE);
    channelsCache = null;
    if (reason) window.sessionStorage.setItem('threadline.console.signedOutBecause', reason);
    if (window.location.hash !== '#/sign-in') window.location.hash = '#/sign-in';
    else route();
  }

  function signInPage() {
    nav.hidden = true;
    var reason = window.sessionStorage.getItem('threadline.console.signedOutBecause');
    window.sessionStorage.removeItem('threadline.console.signedOutBecause');
    var input = el('input', {
      id: 'api-key',
      type: 'password',
      required: true,
      autocomplete: 'off',
      spellcheck: false,
      attrs: { 'data-testid': 'api-key', 'aria-describedby': 'api-key-hint' },
    });
    var submit = el('button', {
      type: 'submit',
      class: 'button button--primary',
      text: 'Sign in',
      attrs: { 'data-testid': 'sign-in' },
    });
    var form = el('form', { class: 'card signin', attrs: { 'aria-labelledby': 'signin-title', novalidate: true } }, [
      el('h1', { id: 'signin-title', text: 'Sign in to the console' }),
      reason ? el('p', { class: 'notice-inline', text: reason }) : null,
      el('label', { attrs: { for: 'api-key' }, text: 'Admin API key' }),
      input,
      el('p', {
        id: 'api-key-hint',
        class: 'hint',
        text: 'A key from “npm run cli -- api-key create” (scope admin, or the read and write scopes you need). It stays in this tab only and is forgotten when the tab closes.',
      }),
      submit,
    ]);
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      hideError();
      var key = input.value.trim();
      if (!key) {
        showError(new Error('Enter an API key.'));
        input.focus();
        return;
      }
      submit.disabled = true;
      window.sessionStorage.setItem(KEY_STORAGE, key);
      api('/campaigns?limit=1', { signingIn: true })
        .then(function () {
          announce('Signed in');
          window.location.hash = '#/campaigns';
        })
        .catch(function (err) {
          window.sessionStorage.removeItem(KEY_STORAGE);
          submit.disabled = false;
          showError(err);
          input.focus();
        });
    });
    view.appendChild(form);
    input.focus();
  }

  // ── campaigns list ─────────────────────────────────────────────────────────────────────────────────────────────

  function cell(labelText, content, extra) {
    return el('td', { attrs: { 'data-label': labelText }, class: extra || '' }, [content]);
  }

  function progressBar(campaign) {
    var total = campaign.counts.total;
    var done = campaign.progress.done;
    return el('span', { class: 'progress' }, [
      el('progress', { max: Math.max(total, 1), value: done, attrs: { 'aria-label': 'Progress of ' + campaign.name } }),
      el('span', { class: 'progress__text', text: fmtNumber(done) + ' / ' + fmtNumber(total) }),
    ]);
  }

  function campaignsPage() {
    var signal = pageSignal();
    var params = new URLSearchParams(window.location.hash.split('?')[1] || '');
    var status = params.get('status') || '';
    var cursors = [null];
    var tbody = el('tbody', { attrs: { 'data-testid': 'campaign-rows' } });
    var more = el('button', {
      type: 'button',
      class: 'button button--secondary',
      text: 'Older campaigns',
      hidden: true,
    });
    var filter = el(
      'select',
      { id: 'campaign-status', attrs: { 'data-testid': 'campaign-status-filter' } },
      [el('option', { value: '', text: 'Any status' })].concat(
        CAMPAIGN_STATUSES.map(function (s) {
          return el('option', { value: s, text: label(s), selected: s === status });
        }),
      ),
    );
    filter.addEventListener('change', function () {
      window.location.hash = '#/campaigns' + (filter.value ? '?status=' + filter.value : '');
    });

    function load(cursor, append) {
      var q = '/campaigns?limit=50' + (status ? '&status=' + status : '') + (cursor ? '&cursor=' + cursor : '');
      return api(q, { signal: signal }).then(function (page) {
        if (!append) clear(tbody);
        if (page.data.length === 0 && !append) {
          tbody.appendChild(
            el('tr', {}, [
              el('td', { attrs: { colspan: 9 }, class: 'empty' }, [
                'No campaigns yet. ',
                el('a', { href: '#/campaigns/new', text: 'Create one from a CSV' }),
                '.',
              ]),
            ]),
          );
        }
        page.data.forEach(function (c) {
          tbody.appendChild(
            el('tr', { attrs: { 'data-testid': 'campaign-row', 'data-id': c.id } }, [
              el('th', { attrs: { scope: 'row', 'data-label': 'Campaign' } }, [
                el('a', { href: '#/campaigns/' + c.id, text: c.name }),
              ]),
              cell('Status', badge(c.status)),
              cell('Progress', progressBar(c)),
              cell('Sent', fmtNumber(c.counts.sent), 'num'),
              cell('Failed', fmtNumber(c.counts.failed), 'num'),
              cell('Replied', fmtNumber(c.outcomes.replied), 'num'),
              cell('Opted out', fmtNumber(c.outcomes.optedOut), 'num'),
              cell('Started', fmtTime(c.startedAt)),
              cell('ETA', c.status === 'RUNNING' ? fmtDuration(c.progress.etaSeconds) : '–'),
            ]),
          );
        });
        more.hidden = !page.nextCursor;
        cursors.push(page.nextCursor);
      });
    }
    more.addEventListener('click', function () {
      load(cursors[cursors.length - 1], true).catch(showError);
    });

    view.appendChild(
      el('section', { attrs: { 'aria-labelledby': 'campaigns-title' } }, [
        el('div', { class: 'page-head' }, [
          el('h1', { id: 'campaigns-title', text: 'Campaigns' }),
          el('div', { class: 'page-head__actions' }, [
            el('label', { attrs: { for: 'campaign-status' }, class: 'inline-label', text: 'Status' }),
            filter,
            el('a', { href: '#/campaigns/new', class: 'button button--primary', text: 'New campaign' }),
          ]),
        ]),
        el('div', { class: 'table-wrap' }, [
          el('table', { class: 'table table--cards' }, [
            el('caption', { class: 'sr-only', text: 'Campaigns, newest first' }),
            el('thead', {}, [
              el(
                'tr',
                {},
                ['Campaign', 'Status', 'Progress', 'Sent', 'Failed', 'Replied', 'Opted out', 'Started', 'ETA'].map(
                  function (h) {
                    return el('th', { attrs: { scope: 'col' }, text: h });
                  },
                ),
              ),
            ]),
            tbody,
          ]),
        ]),
        more,
      ]),
    );
    // Refreshed every five seconds while on screen (the first page only: older ones do not move).
    var timer = window.setInterval(function () {
      if (cursors.length <= 2) load(null, false).catch(function () {});
    }, 5000);
    onLeave(function () {
      window.clearInterval(timer);
    });
    return load(null, false);
  }

  // ── one campaign ───────────────────────────────────────────────────────────────────────────────────────────────

  function stat(name, testid) {
    var value = el('dd', { class: 'stat__value', text: '–', attrs: { 'data-testid': testid } });
    return { node: el('div', { class: 'stat' }, [el('dt', { class: 'stat__name', text: name }), value]), value: value };
  }

  function campaignPage(id) {
    var signal = pageSignal();
    var state = { campaign: null, account: null, channel: null, lastSent: null, lastAt: null, lastRateLimited: null };
    var series = [[], [], [], [], []]; // time, 10 s rate, sent in the last second, account limit, 429s
    var chart = null;

    var title = el('h1', { id: 'campaign-title', text: 'Campaign' });
    var statusHolder = el('span', { class: 'page-head__status' });
    var meta = el('p', { class: 'meta', attrs: { 'data-testid': 'campaign-meta' } });
    var actions = el('div', { class: 'actions', attrs: { role: 'group', 'aria-label': 'Campaign actions' } });
    var live = el('p', { class: 'meta', attrs: { 'data-testid': 'live-state' } });

    var stats = {
      total: stat('Recipients', 'count-total'),
      sent: stat('Sent', 'count-sent'),
      failed: stat('Failed', 'count-failed'),
      remaining: stat('Still to send', 'count-remaining'),
      rate: stat('Sends per second (10 s)', 'send-rate'),
      limit: stat('Account limit per second', 'rate-limit'),
      eta: stat('Time left', 'eta'),
      replied: stat('Replied', 'count-replied'),
      replyRate: stat('Reply rate', 'reply-rate'),
      optedOut: stat('Opted out', 'count-opted-out'),
      autoClosed: stat('Closed unanswered', 'count-auto-closed'),
      rateLimited: stat('429s from CXone', 'count-429'),
    };
    var statusCounts = el('dl', { class: 'status-counts', attrs: { 'data-testid': 'status-counts' } });
    var progressHolder = el('div', { class: 'big-progress' });
    var chartBox = el('div', {
      class: 'chart',
      attrs: { 'data-testid': 'rate-chart', role: 'img', 'aria-label': 'Sends per second against the account limit' },
    });
    var chartNote = el('p', {
      class: 'hint',
      attrs: { 'data-testid': 'chart-points' },
      text: 'Waiting for the first numbers…',
    });

    var recipientFilter = el(
      'select',
      { id: 'recipient-status', attrs: { 'data-testid': 'recipient-status-filter' } },
      [el('option', { value: '', text: 'Any status' })].concat(
        RECIPIENT_STATUSES.map(function (s) {
          return el('option', { value: s, text: label(s) });
        }),
      ),
    );
    var failureFilter = el(
      'select',
      { id: 'recipient-failure', attrs: { 'data-testid': 'recipient-failure-filter' } },
      [el('option', { value: '', text: 'Any failure' })].concat(
        FAILURE_REASONS.map(function (s) {
          return el('option', { value: s, text: label(s) });
        }),
      ),
    );
    var errorFilter = el('input', {
      id: 'recipient-error',
      type: 'search',
      attrs: { 'data-testid': 'recipient-error-filter', maxlength: '200', placeholder: 'e.g. not a valid number' },
    });
    var recipientRows = el('tbody', { attrs: { 'data-testid': 'recipient-rows' } });
    var prev = el('button', {
      type: 'button',
      class: 'button button--secondary',
      text: 'Previous page',
      disabled: true,
      attrs: { 'data-testid': 'recipients-prev' },
    });
    var next = el('button', {
      type: 'button',
      class: 'button button--secondary',
      text: 'Next page',
      disabled: true,
      attrs: { 'data-testid': 'recipients-next' },
    });
    var pageInfo = el('span', { class: 'meta', attrs: { 'aria-live': 'polite' } });
    var recipientCursors = [null];
    var recipientsLoadedAt = 0;

    var repliesList = el('ol', { class: 'replies', attrs: { 'data-testid': 'replies' } });
    var repliesKey = null;

    var downloadButton = el('button', {
      type: 'button',
      class: 'button button--secondary',
      text: 'Download refused rows (CSV)',
      attrs: { 'data-testid': 'download-rejected' },
      onclick: function () {
        downloadRejected().catch(showError);
      },
    });

    function downloadRejected() {
      return api('/campaigns/' + id + '/rejected-rows', { raw: true, headers: { accept: 'text/csv' } })
        .then(function (response) {
          return response.blob();
        })
        .then(function (blob) {
          var url = URL.createObjectURL(blob);
          var a = el('a', { href: url, download: 'campaign-' + id + '-refused-rows.csv', hidden: true });
          document.body.appendChild(a);
          a.click();
          a.remove();
          window.setTimeout(function () {
            URL.revokeObjectURL(url);
          }, 10000);
          announce('Refused rows downloaded');
        });
    }

    function renderRecipients(page) {
      clear(recipientRows);
      if (page.data.length === 0) {
        recipientRows.appendChild(
          el('tr', {}, [el('td', { attrs: { colspan: 9 }, class: 'empty', text: 'No recipients here.' })]),
        );
      }
      page.data.forEach(function (r) {
        var open = el('button', {
          type: 'button',
          class: 'button button--quiet button--small',
          text: 'Conversation',
          attrs: { 'data-testid': 'open-thread', 'aria-label': 'Open the conversation with ' + r.address },
          onclick: function () {
            openThreadOf(r).catch(showError);
          },
        });
        recipientRows.appendChild(
          el('tr', { attrs: { 'data-testid': 'recipient-row', 'data-address': r.address, 'data-status': r.status } }, [
            el('th', { attrs: { scope: 'row', 'data-label': 'Address' }, text: r.address }),
            cell('Name', r.name || '–'),
            cell('Status', badge(r.status)),
            cell('Attempts', fmtNumber(r.attempts), 'num'),
            cell('429s', fmtNumber(r.rateLimitedCount), 'num'),
            cell('Failure', r.failureReason || '–'),
            cell('CXone error', r.lastError || '–', 'wrap'),
            cell('CXone contact', r.cxoneContactId || '–'),
            cell('Sent', fmtTime(r.sentAt)),
            cell('', r.sentAt || r.cxoneThreadId ? open : '–'),
          ]),
        );
      });
      next.disabled = !page.nextCursor;
      prev.disabled = recipientCursors.length <= 2;
      pageInfo.textContent = 'Page ' + (recipientCursors.length - 1);
    }

    function loadRecipients(cursor) {
      var q =
        '/campaigns/' +
        id +
        '/recipients?limit=' +
        RECIPIENTS_PAGE +
        (recipientFilter.value ? '&status=' + recipientFilter.value : '') +
        (failureFilter.value ? '&failureReason=' + failureFilter.value : '') +
        (errorFilter.value.trim() ? '&error=' + encodeURIComponent(errorFilter.value.trim()) : '') +
        (cursor ? '&cursor=' + cursor : '');
      recipientsLoadedAt = Date.now();
      return api(q, { signal: signal }).then(function (page) {
        renderRecipients(page);
        return page;
      });
    }

    function refilter() {
      recipientCursors = [null];
      loadRecipients(null)
        .then(function (page) {
          recipientCursors.push(page.nextCursor);
          renderRecipients(page);
        })
        .catch(showError);
    }
    recipientFilter.addEventListener('change', refilter);
    failureFilter.addEventListener('change', refilter);
    errorFilter.addEventListener('change', refilter); // Enter or leaving the field, not every key

    next.addEventListener('click', function () {
      var cursor = recipientCursors[recipientCursors.length - 1];
      loadRecipients(cursor)
        .then(function (page) {
          recipientCursors.push(page.nextCursor);
          renderRecipients(page);
        })
        .catch(showError);
    });
    prev.addEventListener('click', function () {
      recipientCursors.pop();
      var cursor = recipientCursors[recipientCursors.length - 2];
      loadRecipients(cursor).catch(showError);
    });

    function openThreadOf(recipient) {
      return api(
        '/threads?campaignId=' +
          id +
          '&idOnExternalPlatform=' +
          encodeURIComponent(recipient.threadExternalId) +
          '&limit=1',
      ).then(function (page) {
        if (page.data.length === 0)
          throw new Error('There is no conversation with ' + recipient.address + ' yet: the alert has not been sent.');
        window.location.hash = '#/threads/' + page.data[0].id;
      });
    }

    function loadReplies(campaign) {
      var key = campaign.outcomes.replied + '/' + campaign.outcomes.optedOut;
      if (key === repliesKey) return;
      repliesKey = key;
      api('/campaigns/' + id + '/replies?limit=20', { signal: signal })
        .then(function (page) {
          clear(repliesList);
          if (page.data.length === 0) repliesList.appendChild(el('li', { class: 'empty', text: 'No replies yet.' }));
          page.data.forEach(function (r) {
            repliesList.appendChild(
              el('li', { class: 'reply', attrs: { 'data-testid': 'reply', 'data-address': r.address } }, [
                el('a', {
                  href: '#/threads/' + r.threadId,
                  text: r.name ? r.name + ' (' + r.address + ')' : r.address,
                }),
                r.optedOut ? el('span', { class: 'badge badge--skipped_opted_out', text: 'opted out' }) : null,
                el('span', {
                  class: 'reply__text',
                  text: r.messages
                    .map(function (m) {
                      return '“' + m.text + '”';
                    })
                    .join(' · '),
                }),
              ]),
            );
          });
        })
        .catch(function (err) {
          repliesKey = null;
          showError(err);
        });
    }

    /** The actions the campaign's status allows: [name, testid, class, confirm title, confirm text, confirm button, path]. */
    function actionSpecs(c) {
      var list = [];
      var remaining = c.progress.remaining;
      var rate = state.account ? state.account.rateLimitPerSecond : null;
      var atRate = rate ? ', at up to ' + rate + ' messages a second (the account’s limit)' : '';
      if (c.status === 'DRAFT') {
        list.push([
          'Start sending',
          'action-start',
          'button--primary',
          'Start “' + c.name + '”?',
          'Sends the alert to the ' +
            recipientsText(remaining) +
            ' waiting' +
            atRate +
            '. Opted-out customers are checked again before each send.',
          'Start sending',
          'start',
        ]);
      }
      if (c.status === 'RUNNING') {
        list.push([
          'Pause',
          'action-pause',
          'button--secondary',
          'Pause “' + c.name + '”?',
          'Stops sending. The ' +
            recipientsText(remaining) +
            (remaining === 1 ? ' not sent yet waits' : ' not sent yet wait') +
            '; messages already on their way to CXone finish. You can resume at any time.',
          'Pause sending',
          'pause',
        ]);
      }
      if (c.status === 'PAUSED') {
        list.push([
          'Resume',
          'action-resume',
          'button--primary',
          'Resume “' + c.name + '”?',
          'Sends to the ' + recipientsText(remaining) + ' still waiting' + atRate + '.',
          'Resume sending',
          'resume',
        ]);
      }
      if ((c.status === 'RUNNING' || c.status === 'PAUSED' || c.status === 'COMPLETED') && c.counts.failed > 0) {
        list.push([
          'Retry failed',
          'action-retry',
          'button--secondary',
          'Retry the failed recipients of “' + c.name + '”?',
          'Re-queues the recipients that failed for a passing reason (TRANSIENT, RATE_LIMITED, AUTH), up to ' +
            fmtNumber(c.counts.failed) +
            ' of them' +
            (c.status === 'COMPLETED' ? '; the campaign runs again until they are sent' : '') +
            '. Those CXone refused for good (REJECTED, INVALID) stay failed.',
          'Retry failed recipients',
          'retry-failed',
        ]);
      }
      if (!FINAL[c.status]) {
        list.push([
          'Cancel campaign',
          'action-cancel',
          'button--danger',
          'Cancel “' + c.name + '”?',
          'Nothing more is sent: the ' +
            recipientsText(remaining) +
            (remaining === 1 ? ' not sent yet becomes CANCELLED.' : ' not sent yet become CANCELLED.') +
            ' Messages already sent stay sent. This cannot be undone.',
          'Cancel the campaign',
          'cancel',
        ]);
      }
      return list;
    }

    function renderActions(c) {
      clear(actions);
      function action(name, testid, cls, path) {
        return el('button', {
          type: 'button',
          class: 'button ' + cls,
          text: name,
          attrs: { 'data-testid': testid },
          onclick: function (event) {
            var button = event.currentTarget;
            // what it will do, with the numbers of now (the buttons stay put while the numbers move)
            var spec = actionSpecs(state.campaign).find(function (a) {
              return a[6] === path;
            });
            if (!spec) return;
            confirmAction(spec[3], spec[4], spec[5]).then(function (yes) {
              if (!yes) return;
              button.disabled = true;
              hideError();
              api('/campaigns/' + id + '/' + path, { method: 'POST' })
                .then(function (result) {
                  announce(
                    path === 'retry-failed'
                      ? result.requeued + ' failed recipients re-queued'
                      : name + ': done, the campaign is ' + label(result.status),
                  );
                  return refresh();
                })
                .catch(showError)
                .then(function () {
                  button.disabled = false;
                });
            });
          },
        });
      }
      actionSpecs(c).forEach(function (a) {
        actions.appendChild(action(a[0], a[1], a[2], a[6]));
      });
    }

    function addPoint(c) {
      var now = Date.now() / 1000;
      var sentNow = c.counts.sent;
      var rl = typeof c.progress.rateLimited === 'number' ? c.progress.rateLimited : null;
      var perSecond = null;
      var rlPerSecond = null;
      // a delta over less than half a second (the first event right after the page's own read) says nothing
      if (state.lastAt !== null && now - state.lastAt < 0.5) return;
      if (state.lastAt !== null) {
        perSecond = Math.max(0, (sentNow - state.lastSent) / (now - state.lastAt));
        if (rl !== null && state.lastRateLimited !== null)
          rlPerSecond = Math.max(0, (rl - state.lastRateLimited) / (now - state.lastAt));
      }
      state.lastAt = now;
      state.lastSent = sentNow;
      state.lastRateLimited = rl;
      series[0].push(now);
      series[1].push(c.progress.sendRatePerSecond);
      series[2].push(perSecond === null ? null : Math.round(perSecond * 100) / 100);
      series[3].push(state.account ? state.account.rateLimitPerSecond : null);
      series[4].push(rlPerSecond === null ? null : Math.round(rlPerSecond * 100) / 100);
      if (series[0].length > CHART_POINTS)
        series.forEach(function (s) {
          s.shift();
        });
      chartNote.textContent = series[0].length + (series[0].length === 1 ? ' point' : ' points') + ', one a second';
      chartBox.setAttribute('data-points', String(series[0].length));
      drawChart();
    }

    function drawChart() {
      if (typeof window.uPlot !== 'function') {
        chartNote.textContent = 'The chart library did not load; the numbers above are live.';
        return;
      }
      if (!chart) {
        var width = Math.max(280, chartBox.clientWidth || 600);
        chart = new window.uPlot(
          {
            width: width,
            height: 240,
            scales: {
              // at least 20 seconds wide, so the first points do not stretch over years
              x: {
                time: true,
                range: function (u, min, max) {
                  return [Math.min(min, max - 20), max];
                },
              },
              y: {
                range: function (u, min, max) {
                  return [0, Math.max(1, max * 1.2)];
                },
              },
            },
            axes: [{ stroke: '#4b5563' }, { stroke: '#4b5563', label: 'per second', size: 50 }],
            series: [
              { label: 'Time' },
              { label: 'Sends/s (10 s average)', stroke: '#1d4ed8', width: 2 },
              { label: 'Sent in the last second', stroke: '#059669', width: 1, dash: [4, 3] },
              { label: 'Account limit', stroke: '#b91c1c', width: 2, dash: [10, 5] },
              { label: '429s/s', stroke: '#d97706', width: 2 },
            ],
          },
          series,
          chartBox,
        );
        if (typeof ResizeObserver === 'function') {
          var observer = new ResizeObserver(function () {
            if (chart && chartBox.clientWidth > 0)
              chart.setSize({ width: Math.max(280, chartBox.clientWidth), height: 240 });
          });
          observer.observe(chartBox);
          onLeave(function () {
            observer.disconnect();
          });
        }
        onLeave(function () {
          chart.destroy();
        });
      } else {
        chart.setData(series);
      }
    }

    function render(c) {
      state.campaign = c;
      title.textContent = c.name;
      document.title = c.name + ' · Threadline console';
      clear(statusHolder);
      statusHolder.appendChild(badge(c.status));
      meta.textContent =
        (state.channel ? state.channel.name + ' (' + state.channel.kind + ')' : 'channel ' + c.channelId) +
        ' · created ' +
        fmtTime(c.createdAt) +
        (c.startedAt ? ' · started ' + fmtTime(c.startedAt) : '') +
        (c.completedAt ? ' · ended ' + fmtTime(c.completedAt) : '');
      stats.total.value.textContent = fmtNumber(c.counts.total);
      stats.sent.value.textContent = fmtNumber(c.counts.sent);
      stats.failed.value.textContent = fmtNumber(c.counts.failed);
      stats.remaining.value.textContent = fmtNumber(c.progress.remaining);
      stats.rate.value.textContent =
        c.progress.sendRatePerSecond === null ? 'unknown' : fmtNumber(c.progress.sendRatePerSecond);
      stats.limit.value.textContent = state.account ? fmtNumber(state.account.rateLimitPerSecond) : '–';
      stats.eta.value.textContent =
        c.status === 'RUNNING' || c.progress.remaining === 0 ? fmtDuration(c.progress.etaSeconds) : label(c.status);
      stats.replied.value.textContent = fmtNumber(c.outcomes.replied);
      stats.replyRate.value.textContent = fmtPercent(c.outcomes.replyRate);
      stats.optedOut.value.textContent = fmtNumber(c.outcomes.optedOut);
      stats.autoClosed.value.textContent = fmtNumber(c.outcomes.autoClosed);
      stats.rateLimited.value.textContent =
        typeof c.progress.rateLimited === 'number' ? fmtNumber(c.progress.rateLimited) : '–';
      clear(progressHolder);
      progressHolder.appendChild(progressBar(c));
      clear(statusCounts);
      Object.keys(c.counts)
        .filter(function (k) {
          return k !== 'total';
        })
        .forEach(function (k) {
          statusCounts.appendChild(
            el('div', { class: 'status-count' }, [
              el('dt', { text: label(k.replace(/([A-Z])/g, ' $1')) }),
              el('dd', { text: fmtNumber(c.counts[k]), attrs: { 'data-testid': 'status-count-' + k } }),
            ]),
          );
        });
      // redrawn only when the set of buttons changes, so keyboard focus stays on them while the numbers move
      var which = actionSpecs(c)
        .map(function (a) {
          return a[6];
        })
        .join(',');
      if (actions.getAttribute('data-actions') !== which) {
        actions.setAttribute('data-actions', which);
        renderActions(c);
      }
      loadReplies(c);
      // The first page of recipients follows the sends (at most every three seconds); other pages stay put.
      if (recipientCursors.length <= 2 && Date.now() - recipientsLoadedAt > 3000) {
        loadRecipients(null)
          .then(function (page) {
            recipientCursors = [null, page.nextCursor];
            renderRecipients(page);
          })
          .catch(function () {});
      }
    }

    var streaming = false;
    function stream() {
      if (streaming) return;
      streaming = true;
      live.textContent = 'Live: updated every second.';
      eventStream(
        '/campaigns/' + id + '/progress',
        signal,
        function (type, data) {
          if (type !== 'progress') return;
          render(data);
          addPoint(data);
        },
        function () {
          streaming = false;
          if (signal.aborted) return;
          // the stream ends with the campaign; if it was reopened meanwhile (retry failed), follow it again
          if (state.campaign && !FINAL[state.campaign.status]) stream();
          else followEnded();
        },
      );
    }

    /**
     * An ended campaign sends nothing more, but customers go on answering its alerts: its outcomes (replies, STOPs,
     * auto-closed threads) are read again every five seconds while the page is open.
     */
    var followTimer = null;
    function followEnded() {
      live.textContent = 'The campaign has ended: replies and opt-outs are still counted as they come.';
      if (followTimer !== null) return;
      followTimer = window.setInterval(function () {
        api('/campaigns/' + id, { signal: signal })
          .then(function (c) {
            render(c);
            if (!FINAL[c.status]) {
              window.clearInterval(followTimer);
              followTimer = null;
              stream();
            }
          })
          .catch(function () {});
      }, 5000);
      onLeave(function () {
        if (followTimer !== null) window.clearInterval(followTimer);
      });
    }

    function refresh() {
      return api('/campaigns/' + id, { signal: signal }).then(function (c) {
        render(c);
        if (!FINAL[c.status]) stream();
      });
    }

    var section = el('section', { attrs: { 'aria-labelledby': 'campaign-title' } }, [
      el('p', { class: 'crumbs' }, [el('a', { href: '#/campaigns', text: '← Campaigns' })]),
      el('div', { class: 'page-head' }, [
        el('div', {}, [el('div', { class: 'title-row' }, [title, statusHolder]), meta]),
        actions,
      ]),
      progressHolder,
      el(
        'dl',
        { class: 'stats', attrs: { 'aria-label': 'Numbers' } },
        Object.keys(stats).map(function (k) {
          return stats[k].node;
        }),
      ),
      el('section', { class: 'card', attrs: { 'aria-labelledby': 'chart-title' } }, [
        el('h2', { id: 'chart-title', text: 'Sends per second against the account’s limit' }),
        live,
        chartBox,
        chartNote,
      ]),
      el('div', { class: 'columns' }, [
        el('section', { class: 'card', attrs: { 'aria-labelledby': 'counts-title' } }, [
          el('h2', { id: 'counts-title', text: 'Recipients per status' }),
          statusCounts,
        ]),
        el('section', { class: 'card', attrs: { 'aria-labelledby': 'replies-title' } }, [
          el('h2', { id: 'replies-title', text: 'Replies' }),
          repliesList,
        ]),
      ]),
      el('section', { class: 'card', attrs: { 'aria-labelledby': 'recipients-title' } }, [
        el('div', { class: 'page-head' }, [
          el('h2', { id: 'recipients-title', text: 'Recipients' }),
          el('div', { class: 'page-head__actions' }, [
            el('label', { attrs: { for: 'recipient-status' }, class: 'inline-label', text: 'Status' }),
            recipientFilter,
            el('label', { attrs: { for: 'recipient-failure' }, class: 'inline-label', text: 'Failure' }),
            failureFilter,
            el('label', { attrs: { for: 'recipient-error' }, class: 'inline-label', text: 'CXone error contains' }),
            errorFilter,
            downloadButton,
          ]),
        ]),
        el('div', { class: 'table-wrap' }, [
          el('table', { class: 'table table--cards' }, [
            el('caption', { class: 'sr-only', text: 'Recipients in the order they are sent' }),
            el('thead', {}, [
              el(
                'tr',
                {},
                [
                  'Address',
                  'Name',
                  'Status',
                  'Attempts',
                  '429s',
                  'Failure',
                  'CXone error',
                  'CXone contact',
                  'Sent',
                  '',
                ].map(function (h) {
                  return el('th', { attrs: { scope: 'col' }, text: h });
                }),
              ),
            ]),
            recipientRows,
          ]),
        ]),
        el('div', { class: 'pager' }, [prev, pageInfo, next]),
      ]),
    ]);
    view.appendChild(section);

    return api('/campaigns/' + id, { signal: signal }).then(function (c) {
      state.campaign = c;
      return channels()
        .then(function (list) {
          state.channel =
            list.find(function (ch) {
              return ch.id === c.channelId;
            }) || null;
          // the limit is the account's (accounts:admin); without that scope the chart shows the rate alone
          return state.channel
            ? api('/accounts/' + state.channel.accountId, { signal: signal }).catch(function () {
                return null;
              })
            : null;
        })
        .then(function (account) {
          state.account = account;
          render(c);
          addPoint(c);
          if (!FINAL[c.status]) stream();
          else followEnded();
        });
    });
  }

  // ── new campaign ───────────────────────────────────────────────────────────────────────────────────────────────

  function field(id, text, control, hint) {
    if (hint) control.setAttribute('aria-describedby', id + '-hint');
    return el('div', { class: 'field' }, [
      el('label', { attrs: { for: id }, text: text }),
      control,
      hint ? el('p', { id: id + '-hint', class: 'hint', text: hint }) : null,
    ]);
  }

  function preflightReport(report) {
    var rows = [
      ['Would send', report.wouldSend, 'preflight-would-send'],
      ['Rows received', report.received, 'preflight-received'],
      ['Duplicates (collapsed)', report.duplicates, 'preflight-duplicates'],
      ['Refused (invalid)', report.invalid, 'preflight-invalid'],
      ['Skipped: opted out', report.optedOut, 'preflight-opted-out'],
      ['Skipped: outside the WhatsApp window', report.outsideWindow, 'preflight-outside-window'],
      ['Sent the fallback template', report.fallbackTemplate, 'preflight-fallback'],
    ];
    var deferred = report.deferred || { count: 0 };
    rows.push(['Deferred by quiet hours', deferred.count, 'preflight-deferred']);
    var est = report.estimate || {};
    return el(
      'section',
      { class: 'card', attrs: { 'aria-labelledby': 'preflight-title', 'data-testid': 'preflight' } },
      [
        el('h2', { id: 'preflight-title', text: 'Pre-flight' }),
        el(
          'dl',
          { class: 'stats' },
          rows.map(function (r) {
            return el('div', { class: 'stat' }, [
              el('dt', { class: 'stat__name', text: r[0] }),
              el('dd', { class: 'stat__value', text: fmtNumber(r[1]), attrs: { 'data-testid': r[2] } }),
            ]);
          }),
        ),
        deferred.earliest
          ? el('p', {
              attrs: { 'data-testid': 'preflight-deferred-until' },
              text:
                'Quiet hours: ' +
                fmtNumber(deferred.count) +
                ' wait for their window, which opens from ' +
                fmtTime(deferred.earliest) +
                ' to ' +
                fmtTime(deferred.latest) +
                ' (their own time zones).',
            })
          : '',
        el('p', { attrs: { 'data-testid': 'preflight-estimate' } }, [
          'Estimated duration: ',
          el('strong', { text: fmtDuration(est.seconds) }),
          ' at ' + fmtNumber(est.ratePerSecond) + ' messages a second',
          est.backlog
            ? ' (' +
              fmtDuration(est.secondsWithBacklog) +
              ' behind the ' +
              fmtNumber(est.backlog) +
              ' messages other running campaigns of the account still have to send)'
            : '',
          '.',
        ]),
        report.invalidRows && report.invalidRows.length > 0
          ? el('div', {}, [
              el('h3', { text: 'First refused rows' }),
              el(
                'ul',
                { class: 'plain-list', attrs: { 'data-testid': 'preflight-invalid-rows' } },
                report.invalidRows.map(function (r) {
                  return el('li', { text: 'Row ' + r.rowNumber + ': ' + r.reason });
                }),
              ),
            ])
          : null,
        report.warnings && report.warnings.length > 0
          ? el('div', { class: 'warnings' }, [
              el('h3', { text: 'Warnings' }),
              el(
                'ul',
                { class: 'plain-list', attrs: { 'data-testid': 'preflight-warnings' } },
                report.warnings.map(function (w) {
                  return el('li', { text: w.message });
                }),
              ),
            ])
          : null,
      ],
    );
  }

  function newCampaignPage() {
    var signal = pageSignal();
    var name = el('input', {
      id: 'nc-name',
      type: 'text',
      required: true,
      maxLength: 200,
      attrs: { 'data-testid': 'nc-name' },
    });
    var channel = el('select', { id: 'nc-channel', required: true, attrs: { 'data-testid': 'nc-channel' } }, [
      el('option', { value: '', text: 'Choose a channel…' }),
    ]);
    var textRadio = el('input', {
      type: 'radio',
      name: 'nc-kind',
      id: 'nc-kind-text',
      value: 'TEXT',
      checked: true,
      attrs: { 'data-testid': 'nc-kind-text' },
    });
    var templateRadio = el('input', {
      type: 'radio',
      name: 'nc-kind',
      id: 'nc-kind-template',
      value: 'TEMPLATE',
      attrs: { 'data-testid': 'nc-kind-template' },
    });
    var text = el('textarea', { id: 'nc-text', rows: 4, maxLength: 4096, attrs: { 'data-testid': 'nc-text' } });
    var template = el('select', { id: 'nc-template', attrs: { 'data-testid': 'nc-template' } });
    var templateParams = el('div', { class: 'params', attrs: { 'data-testid': 'nc-template-params' } });
    var templates = [];
    var file = el('input', {
      id: 'nc-file',
      type: 'file',
      accept: '.csv,text/csv',
      required: true,
      attrs: { 'data-testid': 'nc-file' },
    });
    var submit = el('button', {
      type: 'submit',
      class: 'button button--primary',
      text: 'Upload and check',
      attrs: { 'data-testid': 'nc-submit' },
    });
    var textBlock = field('nc-text', 'Message', text, 'Sent as is to every recipient.');
    var templateBlock = el('div', { hidden: true }, [
      field(
        'nc-template',
        'Approved template',
        template,
        'WhatsApp templates registered for this channel (POST /api/v1/templates or the sync).',
      ),
      templateParams,
    ]);
    var result = el('div', { attrs: { 'data-testid': 'nc-result' } });

    function kind() {
      return templateRadio.checked ? 'TEMPLATE' : 'TEXT';
    }
    function showKind() {
      textBlock.hidden = kind() !== 'TEXT';
      templateBlock.hidden = kind() !== 'TEMPLATE';
    }
    textRadio.addEventListener('change', showKind);
    templateRadio.addEventListener('change', showKind);

    function renderParams() {
      clear(templateParams);
      var t = templates.find(function (x) {
        return x.id === template.value;
      });
      if (!t) return;
      if (t.parameters.length === 0)
        templateParams.appendChild(el('p', { class: 'hint', text: 'This template takes no parameters.' }));
      t.parameters.forEach(function (p) {
        var input = el('input', { id: 'nc-param-' + p, type: 'text', attrs: { 'data-param': p } });
        templateParams.appendChild(
          field(
            'nc-param-' + p,
            'Parameter ' + p,
            input,
            'For everyone; a param.' + p + ' column in the CSV overrides it per recipient.',
          ),
        );
      });
    }
    template.addEventListener('change', renderParams);

    channel.addEventListener('change', function () {
      clear(template);
      templates = [];
      clear(templateParams);
      if (!channel.value) return;
      api('/templates?channelId=' + channel.value, { signal: signal })
        .then(function (list) {
          templates = (Array.isArray(list) ? list : list.data || []).filter(function (t) {
            return t.status === 'APPROVED';
          });
          if (templates.length === 0)
            template.appendChild(el('option', { value: '', text: 'No approved template on this channel' }));
          templates.forEach(function (t) {
            template.appendChild(el('option', { value: t.id, text: t.name + ' (' + t.language + ')' }));
          });
          renderParams();
        })
        .catch(showError);
    });

    function content() {
      if (kind() === 'TEXT') return { type: 'TEXT', text: text.value };
      var t = templates.find(function (x) {
        return x.id === template.value;
      });
      if (!t) throw new Error('Choose an approved template, or send text.');
      var parameters = {};
      templateParams.querySelectorAll('input[data-param]').forEach(function (input) {
        if (input.value !== '') parameters[input.getAttribute('data-param')] = input.value;
      });
      return { type: 'TEMPLATE', template: { name: t.name, language: t.language, parameters: parameters } };
    }

    var form = el('form', { class: 'card form', attrs: { novalidate: true, 'aria-labelledby': 'nc-title' } }, [
      field('nc-name', 'Name', name, 'What operators will see in the list, e.g. “Storm: LHR cancellations 21 Nov”.'),
      field('nc-channel', 'Channel', channel),
      el('fieldset', { class: 'field' }, [
        el('legend', { text: 'Content' }),
        el('div', { class: 'radios' }, [
          el('label', { attrs: { for: 'nc-kind-text' } }, [textRadio, ' Text']),
          el('label', { attrs: { for: 'nc-kind-template' } }, [templateRadio, ' Registered template']),
        ]),
      ]),
      textBlock,
      templateBlock,
      field(
        'nc-file',
        'Recipients (CSV)',
        file,
        'A header row, then one recipient a row. Columns: to (E.164 phone number or chat user id), name, param.<name> (template parameters), field.<name> (custom fields).',
      ),
      el('div', { class: 'form__actions' }, [submit]),
    ]);

    form.addEventListener('submit', function (event) {
      event.preventDefault();
      hideError();
      var body;
      try {
        if (!name.value.trim()) throw new Error('Give the campaign a name.');
        if (!channel.value) throw new Error('Choose a channel.');
        if (!file.files || file.files.length === 0) throw new Error('Choose the CSV file with the recipients.');
        body = { name: name.value.trim(), channelId: channel.value, content: content() };
      } catch (err) {
        showError(err);
        return;
      }
      submit.disabled = true;
      clear(result);
      result.appendChild(el('p', { class: 'meta', text: 'Creating the draft and uploading the CSV…' }));
      var draft = null;
      api('/campaigns', { method: 'POST', json: body })
        .then(function (created) {
          draft = created;
          return api('/campaigns/' + created.id + '/recipients', {
            method: 'POST',
            body: file.files[0],
            headers: { 'content-type': 'text/csv' },
          });
        })
        .then(function (uploaded) {
          return api('/campaigns/' + draft.id + '/preflight').then(function (report) {
            showPreflight(uploaded, report);
          });
        })
        .catch(function (err) {
          showError(err);
          clear(result);
          if (draft) {
            result.appendChild(
              el('p', {}, [
                'The draft ',
                el('a', { href: '#/campaigns/' + draft.id, text: draft.name }),
                ' was created; fix the CSV and upload again from a new campaign, or cancel the draft.',
              ]),
            );
          }
        })
        .then(function () {
          submit.disabled = false;
        });

      function showPreflight(uploaded, report) {
        clear(result);
        var intake = uploaded.intake || {};
        var start = el('button', {
          type: 'button',
          class: 'button button--primary',
          text: 'Start sending',
          attrs: { 'data-testid': 'nc-start' },
          disabled: report.wouldSend === 0,
          onclick: function () {
            confirmAction(
              'Start “' + draft.name + '”?',
              'Sends the alert to ' +
                fmtNumber(report.wouldSend) +
                ' recipients, in about ' +
                fmtDuration(report.estimate && report.estimate.secondsWithBacklog) +
                '.',
              'Start sending',
            ).then(function (yes) {
              if (!yes) return;
              start.disabled = true;
              api('/campaigns/' + draft.id + '/start', { method: 'POST' })
                .then(function () {
                  announce('Campaign started');
                  window.location.hash = '#/campaigns/' + draft.id;
                })
                .catch(function (err) {
                  start.disabled = false;
                  showError(err);
                });
            });
          },
        });
        result.appendChild(
          el('div', {}, [
            el('p', { attrs: { 'data-testid': 'nc-intake', role: 'status' } }, [
              'Draft ',
              el('a', { href: '#/campaigns/' + draft.id, text: draft.name }),
              ' saved: ' +
                fmtNumber(intake.received) +
                ' rows read, ' +
                fmtNumber(intake.accepted) +
                ' accepted, ' +
                fmtNumber(intake.rejected) +
                ' refused.',
            ]),
            preflightReport(report),
            el('div', { class: 'form__actions' }, [
              start,
              el('a', {
                href: '#/campaigns/' + draft.id,
                class: 'button button--secondary',
                text: 'Open the draft without starting',
              }),
            ]),
          ]),
        );
        result.querySelector('h2').setAttribute('tabindex', '-1');
        result.querySelector('h2').focus();
      }
    });

    view.appendChild(
      el('section', { attrs: { 'aria-labelledby': 'nc-title' } }, [
        el('p', { class: 'crumbs' }, [el('a', { href: '#/campaigns', text: '← Campaigns' })]),
        el('h1', { id: 'nc-title', text: 'New campaign' }),
        el('p', {
          class: 'meta',
          text: 'The campaign is saved as a draft with its recipients; nothing is sent until you start it after the pre-flight.',
        }),
        form,
        result,
      ]),
    );
    return channels(true).then(function (list) {
      list
        .filter(function (ch) {
          return ch.isActive;
        })
        .forEach(function (ch) {
          channel.appendChild(
            el('option', { value: ch.id, text: ch.name + ' (' + ch.kind + ', ' + ch.cxoneChannelId + ')' }),
          );
        });
      if (list.length === 0)
        result.appendChild(
          el('p', { class: 'notice-inline', text: 'No channel is registered yet: POST /api/v1/channels first.' }),
        );
      name.focus();
    });
  }

  // ── a conversation ─────────────────────────────────────────────────────────────────────────────────────────────

  function textOf(message) {
    var c = message.content || {};
    if (typeof c.text === 'string') return c.text;
    if (c.payload && typeof c.payload.text === 'string') return c.payload.text;
    if (c.type === 'TEMPLATE' && c.template) return 'Template ' + c.template.name + ' (' + c.template.language + ')';
    return JSON.stringify(c);
  }

  /** The customer's consent on the channel and its latest ledger entries (null: never seen on this channel). */
  function consentOf(channelId, address, signal) {
    var q = '/opt-outs/' + encodeURIComponent(channelId) + '/' + encodeURIComponent(address) + '?limit=10';
    return api(q, { signal: signal }).then(
      function (state) {
        return state;
      },
      function (err) {
        if (err && err.status === 404) return null; // never seen on this channel: nothing recorded about them
        throw err;
      },
    );
  }

  function consentHistory(state) {
    var events = (state && state.history) || [];
    if (events.length === 0) return el('p', { class: 'hint', text: 'No consent change recorded for this customer.' });
    return el(
      'ol',
      { class: 'ledger', attrs: { 'data-testid': 'consent-history', 'aria-label': 'Consent ledger, newest first' } },
      events.map(function (e) {
        return el('li', { attrs: { 'data-testid': 'consent-event' } }, [
          el('strong', { text: e.kind === 'OPT_OUT' ? 'Opted out' : 'Opted in' }),
          ' · ' + label(e.source) + ' · ' + fmtTime(e.occurredAt) + (e.detail ? ' · ' + e.detail : ''),
        ]);
      }),
    );
  }

  function threadPage(id) {
    var signal = pageSignal();
    return api('/threads/' + id, { signal: signal }).then(function (t) {
      document.title = 'Conversation with ' + t.contact.address + ' · Threadline console';
      var consent = el('p', { attrs: { 'data-testid': 'consent' }, text: 'Reading the consent ledger…' });
      var messages = el(
        'ol',
        { class: 'thread', attrs: { 'data-testid': 'thread-messages', 'aria-label': 'Messages, oldest first' } },
        t.messages.map(function (m) {
          return el(
            'li',
            {
              class: 'msg msg--' + m.author.toLowerCase(),
              attrs: { 'data-testid': 'thread-message', 'data-author': m.author },
            },
            [
              el('p', { class: 'msg__meta' }, [
                el('strong', {
                  text: m.author === 'SYSTEM' ? 'Alert' : m.author === 'CUSTOMER' ? 'Customer' : 'Agent',
                }),
                ' · ' + fmtTime(m.createdAt) + ' · ' + label(m.status),
              ]),
              el('p', { class: 'msg__text', text: textOf(m) }),
              el('p', {
                class: 'msg__ids',
                text: 'Id ' + m.idOnExternalPlatform + (m.cxoneMessageId ? ' · CXone message ' + m.cxoneMessageId : ''),
              }),
              m.lastError ? el('p', { class: 'msg__error', text: m.lastError }) : null,
            ],
          );
        }),
      );
      var facts = [
        ['Status', badge(t.status)],
        ['Started by', label(t.origin)],
        ['Closed', t.closedAt ? fmtTime(t.closedAt) + (t.closeReason ? ' (' + label(t.closeReason) + ')' : '') : '–'],
        ['CXone contact (case)', t.cxoneContactId || '–'],
        ['CXone thread', t.cxoneThreadId || '–'],
        ['Thread id at CXone', t.idOnExternalPlatform],
        ['Last customer message', fmtTime(t.lastCustomerAt)],
        ['Campaign', t.campaignId ? el('a', { href: '#/campaigns/' + t.campaignId, text: 'Open the campaign' }) : '–'],
      ];
      view.appendChild(
        el('section', { attrs: { 'aria-labelledby': 'thread-title' } }, [
          el('p', { class: 'crumbs' }, [
            t.campaignId
              ? el('a', { href: '#/campaigns/' + t.campaignId, text: '← Campaign' })
              : el('a', { href: '#/campaigns', text: '← Campaigns' }),
          ]),
          el('h1', {
            id: 'thread-title',
            text:
              'Conversation with ' +
              (t.contact.displayName ? t.contact.displayName + ' (' + t.contact.address + ')' : t.contact.address),
          }),
          el('div', { class: 'columns columns--thread' }, [
            el('section', { class: 'card', attrs: { 'aria-labelledby': 'msgs-title' } }, [
              el('h2', { id: 'msgs-title', text: 'Messages' }),
              messages,
            ]),
            el('div', {}, [
              el('section', { class: 'card', attrs: { 'aria-labelledby': 'facts-title' } }, [
                el('h2', { id: 'facts-title', text: 'Details' }),
                el(
                  'dl',
                  { class: 'facts', attrs: { 'data-testid': 'thread-facts' } },
                  facts.map(function (f) {
                    return el('div', { class: 'fact' }, [el('dt', { text: f[0] }), el('dd', {}, [f[1]])]);
                  }),
                ),
              ]),
              el('section', { class: 'card', attrs: { 'aria-labelledby': 'consent-title' } }, [
                el('h2', { id: 'consent-title', text: 'Consent' }),
                consent,
                el('p', { class: 'hint' }, [
                  el('a', { href: '#/consent?channelId=' + t.channelId, text: 'Everyone opted out on this channel' }),
                ]),
              ]),
            ]),
          ]),
        ]),
      );
      consentOf(t.channelId, t.contact.address, signal)
        .then(function (state) {
          var out = !!(state && state.optedOut);
          consent.textContent = out
            ? 'Opted out' +
              (state.optedOutAt ? ' since ' + fmtTime(state.optedOutAt) : '') +
              ': no alert goes to this customer on this channel.'
            : 'Not opted out: alerts on this channel may be sent to this customer.';
          consent.setAttribute('data-opted-out', out ? 'true' : 'false');
          consent.after(consentHistory(state));
        })
        .catch(function (err) {
          consent.textContent = 'The consent ledger could not be read: ' + messageOf(err);
        });
    });
  }

  // ── conversations ──────────────────────────────────────────────────────────────────────────────────────────────

  var THREAD_STATUSES = ['AWAITING_REPLY', 'REPLIED', 'OPEN', 'IDLE_PROMPTED', 'CLOSED'];

  function conversationsPage() {
    var signal = pageSignal();
    var params = new URLSearchParams(window.location.hash.split('?')[1] || '');
    var status = params.get('status') || '';
    var rows = el('tbody', { attrs: { 'data-testid': 'thread-rows' } });
    var more = el('button', {
      type: 'button',
      class: 'button button--secondary',
      text: 'Older conversations',
      hidden: true,
    });
    var cursor = null;
    var filter = el(
      'select',
      { id: 'thread-status', attrs: { 'data-testid': 'thread-status-filter' } },
      [el('option', { value: '', text: 'Any status' })].concat(
        THREAD_STATUSES.map(function (st) {
          return el('option', { value: st, text: label(st), selected: st === status });
        }),
      ),
    );
    filter.addEventListener('change', function () {
      window.location.hash = '#/conversations' + (filter.value ? '?status=' + filter.value : '');
    });
    function load(append) {
      var q = '/threads?limit=50' + (status ? '&status=' + status : '') + (append && cursor ? '&cursor=' + cursor : '');
      return api(q, { signal: signal }).then(function (page) {
        if (!append) clear(rows);
        if (page.data.length === 0 && !append) {
          rows.appendChild(
            el('tr', {}, [el('td', { attrs: { colspan: 6 }, class: 'empty', text: 'No conversations here.' })]),
          );
        }
        page.data.forEach(function (t) {
          var who = t.contact.displayName ? t.contact.displayName + ' (' + t.contact.address + ')' : t.contact.address;
          rows.appendChild(
            el('tr', { attrs: { 'data-testid': 'thread-row', 'data-id': t.id } }, [
              el('th', { attrs: { scope: 'row', 'data-label': 'Customer' } }, [
                el('a', { href: '#/threads/' + t.id, text: who }),
              ]),
              cell('Status', badge(t.status)),
              cell('Started by', label(t.origin)),
              cell('Last customer message', fmtTime(t.lastCustomerAt)),
              cell('Last activity', fmtTime(t.lastActivityAt)),
              cell('CXone contact', t.cxoneContactId || '–'),
            ]),
          );
        });
        cursor = page.nextCursor;
        more.hidden = !cursor;
      });
    }
    more.addEventListener('click', function () {
      load(true).catch(showError);
    });
    view.appendChild(
      el('section', { attrs: { 'aria-labelledby': 'threads-title' } }, [
        el('div', { class: 'page-head' }, [
          el('h1', { id: 'threads-title', text: 'Conversations' }),
          el('div', { class: 'page-head__actions' }, [
            el('label', { attrs: { for: 'thread-status' }, class: 'inline-label', text: 'Status' }),
            filter,
          ]),
        ]),
        el('p', { class: 'meta', text: 'Alerts and their replies, chats customers or agents started; newest first.' }),
        el('div', { class: 'table-wrap' }, [
          el('table', { class: 'table table--cards' }, [
            el('caption', { class: 'sr-only', text: 'Conversations, newest first' }),
            el('thead', {}, [
              el(
                'tr',
                {},
                ['Customer', 'Status', 'Started by', 'Last customer message', 'Last activity', 'CXone contact'].map(
                  function (h) {
                    return el('th', { attrs: { scope: 'col' }, text: h });
                  },
                ),
              ),
            ]),
            rows,
          ]),
        ]),
        more,
      ]),
    );
    return load(false);
  }

  // ── consent ────────────────────────────────────────────────────────────────────────────────────────────────────

  function consentPage() {
    var signal = pageSignal();
    var params = new URLSearchParams(window.location.hash.split('?')[1] || '');
    var channel = el('select', { id: 'consent-channel', attrs: { 'data-testid': 'consent-channel' } });
    var rows = el('tbody', { attrs: { 'data-testid': 'opt-out-rows' } });
    var more = el('button', { type: 'button', class: 'button button--secondary', text: 'More', hidden: true });
    var cursor = null;
    function load(append) {
      if (!channel.value) return Promise.resolve();
      return api(
        '/opt-outs?channelId=' +
          channel.value +
          '&limit=100' +
          (append && cursor ? '&cursor=' + encodeURIComponent(cursor) : ''),
        { signal: signal },
      ).then(function (page) {
        if (!append) clear(rows);
        if (page.data.length === 0 && !append)
          rows.appendChild(
            el('tr', {}, [
              el('td', { attrs: { colspan: 2 }, class: 'empty', text: 'Nobody has opted out on this channel.' }),
            ]),
          );
        page.data.forEach(function (o) {
          rows.appendChild(
            el('tr', {}, [
              el('th', { attrs: { scope: 'row', 'data-label': 'Address' }, text: o.address }),
              cell('Opted out', fmtTime(o.optedOutAt)),
            ]),
          );
        });
        cursor = page.nextCursor;
        more.hidden = !cursor;
      });
    }
    channel.addEventListener('change', function () {
      cursor = null;
      load(false).catch(showError);
    });
    more.addEventListener('click', function () {
      load(true).catch(showError);
    });
    view.appendChild(
      el('section', { attrs: { 'aria-labelledby': 'consent-page-title' } }, [
        el('div', { class: 'page-head' }, [
          el('h1', { id: 'consent-page-title', text: 'Consent: who opted out' }),
          el('div', { class: 'page-head__actions' }, [
            el('label', { attrs: { for: 'consent-channel' }, class: 'inline-label', text: 'Channel' }),
            channel,
          ]),
        ]),
        el('p', {
          class: 'meta',
          text: 'Customers who said STOP (or were opted out through the API or by CXone) on a channel get no alert there until they opt back in.',
        }),
        el('div', { class: 'table-wrap' }, [
          el('table', { class: 'table table--cards' }, [
            el('thead', {}, [
              el('tr', {}, [
                el('th', { attrs: { scope: 'col' }, text: 'Address' }),
                el('th', { attrs: { scope: 'col' }, text: 'Opted out' }),
              ]),
            ]),
            rows,
          ]),
        ]),
        more,
      ]),
    );
    return channels(true).then(function (list) {
      list.forEach(function (ch) {
        channel.appendChild(
          el('option', {
            value: ch.id,
            text: ch.name + ' (' + ch.kind + ')',
            selected: ch.id === params.get('channelId'),
          }),
        );
      });
      return load(false);
    });
  }

  // ── routing ────────────────────────────────────────────────────────────────────────────────────────────────────

  function markNav(which) {
    nav.querySelectorAll('[data-nav]').forEach(function (a) {
      if (a.getAttribute('data-nav') === which) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    });
  }

  function showPage(path, hash) {
    var m;
    var page;
    if (path === '/campaigns' || path === '/') {
      markNav('campaigns');
      page = campaignsPage();
    } else if (path === '/campaigns/new') {
      markNav('new');
      page = newCampaignPage();
    } else if ((m = /^\/campaigns\/([0-9a-f-]{36})$/i.exec(path))) {
      markNav('campaigns');
      page = campaignPage(m[1]);
    } else if ((m = /^\/threads\/([0-9a-f-]{36})$/i.exec(path))) {
      markNav('conversations');
      page = threadPage(m[1]);
    } else if (path === '/conversations') {
      markNav('conversations');
      page = conversationsPage();
    } else if (path === '/consent') {
      markNav('consent');
      page = consentPage();
    } else {
      markNav('');
      page = Promise.reject(new Error('There is no page ' + hash + ' in the console.'));
    }
    return page;
  }

  function route() {
    pageCleanups.splice(0).forEach(function (fn) {
      try {
        fn();
      } catch (e) {
        /* a page's cleanup must not stop the next page */
      }
    });
    if (dialog.open) dialog.close();
    clear(view);
    view.removeAttribute('data-loaded'); // set again once the new page has its data
    hideError();
    document.title = 'Threadline console';
    var hash = window.location.hash.replace(/^#/, '') || '/campaigns';
    var path = hash.split('?')[0];
    if (!apiKey()) {
      signInPage();
      return;
    }
    nav.hidden = false;
    if (path === '/sign-in') {
      window.location.hash = '#/campaigns';
      return;
    }
    var page;
    try {
      page = showPage(path, hash);
    } catch (err) {
      page = Promise.reject(err);
    }
    var shownFor = window.location.hash;
    Promise.resolve(page)
      .then(function () {
        view.setAttribute('data-loaded', shownFor);
      })
      .catch(function (err) {
        if (err && err.name === 'AbortError') return;
        if (window.location.hash !== shownFor) return;
        showError(err);
        clear(view);
        view.appendChild(
          el('section', { class: 'card', attrs: { 'data-testid': 'page-error' } }, [
            el('h1', { text: 'This page could not be shown' }),
            el('p', { text: messageOf(err) }),
            el('p', {}, [
              el('button', { type: 'button', class: 'button button--secondary', text: 'Try again', onclick: route }),
              ' ',
              el('a', { href: '#/campaigns', text: 'Back to the campaigns' }),
            ]),
          ]),
        );
      });
    view.focus({ preventScroll: true });
  }

  document.querySelector('[data-testid="error-dismiss"]').addEventListener('click', hideError);
  document.querySelector('[data-testid="sign-out"]').addEventListener('click', function () {
    signOut(null);
    announce('Signed out');
  });
  window.addEventListener('hashchange', route);
  route();
})();
