// The Miti emulator's chat page. Talks only to the emulator that served it: the page state from /_emulator/ui/state,
// live updates from /_emulator/ui/events (Server-Sent Events), everything it does through the control API.
// Text is always inserted as text; the only HTML inserted is an agent's markdown, rendered safely by the emulator.
'use strict';
(() => {
  const api = '/_emulator';
  const $ = (id) => document.getElementById(id);
  const sel = loadSelection();
  let state = null;
  let loading = false;
  let again = false;
  let shownConversation = null;
  const shown = new Map(); // message_id -> { el, key }

  function loadSelection() {
    const fallback = { app: null, user: 'u_you', target: 'dm' };
    try {
      return Object.assign(fallback, JSON.parse(localStorage.getItem('miti-emulator-chat') || '{}'));
    } catch {
      return fallback;
    }
  }

  function saveSelection() {
    localStorage.setItem('miti-emulator-chat', JSON.stringify(sel));
  }

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function time(ms) {
    return ms ? new Date(ms).toLocaleTimeString() : '';
  }

  function notice(text) {
    const n = $('notice');
    n.textContent = text || '';
    n.hidden = !text;
  }

  async function post(path, body) {
    const response = await fetch(api + path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(json.msg || 'HTTP ' + response.status);
    return json;
  }

  function groupOf(target) {
    return target && target.startsWith('group:') ? target.slice('group:'.length) : null;
  }

  async function refresh() {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    try {
      do {
        again = false;
        const query = new URLSearchParams();
        if (sel.app) query.set('app_id', sel.app);
        const group = groupOf(sel.target);
        if (group) query.set('group_id', group);
        else query.set('user_id', sel.user);
        const response = await fetch(api + '/ui/state?' + query, { cache: 'no-store' });
        if (!response.ok) throw new Error('HTTP ' + response.status);
        state = await response.json();
        render();
      } while (again);
    } catch (e) {
      notice('Cannot reach the emulator: ' + e.message);
    } finally {
      loading = false;
    }
  }

  function currentApp() {
    return state && state.apps ? state.apps.find((a) => a.app_id === state.app_id) : undefined;
  }

  function userName(id) {
    const u = state && state.users ? state.users.find((x) => x.user_id === id) : undefined;
    return u ? u.name : id === 'u_you' ? 'You' : id;
  }

  function fillSelect(select, options, value) {
    const wanted = JSON.stringify(options);
    if (select.dataset.options !== wanted) {
      select.replaceChildren(...options.map(([v, label]) => {
        const o = el('option', null, label);
        o.value = v;
        return o;
      }));
      select.dataset.options = wanted;
    }
    select.value = value;
  }

  function render() {
    if (!state) return;
    if (state.app_id && sel.app !== state.app_id) {
      sel.app = state.app_id;
      saveSelection();
    }
    fillSelect($('app-select'), (state.apps || []).map((a) => [a.app_id, a.name + ' (' + a.app_id + ')']), state.app_id || '');
    const users = (state.users || []).map((u) => [u.user_id, u.name + ' (' + u.user_id + ')']);
    if (!users.some(([id]) => id === sel.user)) users.unshift([sel.user, userName(sel.user) + ' (' + sel.user + ')']);
    fillSelect($('user-select'), users, sel.user);
    const targets = [['dm', 'Direct message']].concat((state.groups || []).map((g) => ['group:' + g.group_id, 'Group ' + g.name]));
    if (!targets.some(([t]) => t === sel.target)) targets.push([sel.target, 'Group ' + groupOf(sel.target)]);
    fillSelect($('target-select'), targets, sel.target);
    renderMessages();
    renderTyping();
    renderPanel();
  }

  function renderMessages() {
    const list = $('messages');
    if (shownConversation !== state.conversation_id) {
      list.replaceChildren();
      shown.clear();
      shownConversation = state.conversation_id;
    }
    const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
    const keep = new Set();
    let previous = null;
    for (const m of state.messages || []) {
      keep.add(m.message_id);
      const key = JSON.stringify([m.text, m.html, m.reasoning, m.state, m.error_code, m.error_msg]);
      let entry = shown.get(m.message_id);
      if (!entry) {
        entry = { el: el('div'), key: null };
        entry.el.dataset.id = m.message_id;
        shown.set(m.message_id, entry);
      }
      if (entry.key !== key) {
        fillMessage(entry.el, m);
        entry.key = key;
      }
      const expectedPosition = previous ? previous.nextSibling : list.firstChild;
      if (expectedPosition !== entry.el) list.insertBefore(entry.el, expectedPosition);
      previous = entry.el;
    }
    for (const [id, entry] of shown) {
      if (!keep.has(id)) {
        entry.el.remove();
        shown.delete(id);
      }
    }
    $('empty').hidden = (state.messages || []).length > 0;
    if (nearBottom) list.scrollTop = list.scrollHeight;
  }

  function fillMessage(box, m) {
    const openReasoning = box.querySelector('details.reasoning')?.open === true;
    box.className = 'msg ' + (m.role === 'user' ? 'user' : 'assistant') + (m.state === 'streaming' ? ' streaming' : '');
    box.dataset.state = m.state || '';
    box.dataset.runId = m.run_id || '';
    const meta = el('div', 'meta');
    meta.append(el('span', 'sender', m.sender_name), el('span', 'time', time(m.create_time)));
    if (m.state && m.state !== 'completed') meta.append(el('span', 'badge ' + m.state, m.state));
    const parts = [meta];
    if (m.reasoning) {
      const details = el('details', 'reasoning');
      details.open = openReasoning;
      details.append(el('summary', null, 'Reasoning'), el('div', null, m.reasoning));
      parts.push(details);
    }
    const body = el('div', 'body');
    if (m.html) {
      body.innerHTML = m.html; // rendered by the emulator: markdown with raw HTML escaped and unsafe URLs removed
      for (const a of body.querySelectorAll('a')) {
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
      }
    } else {
      body.classList.add('plain');
      body.textContent = m.text;
    }
    parts.push(body);
    if (m.state === 'failed') {
      parts.push(el('div', 'error', 'failed · ' + (m.error_code || 'error') + (m.error_msg ? ': ' + m.error_msg : '')));
    }
    box.replaceChildren(...parts);
  }

  function renderTyping() {
    const runs = state.open_runs || [];
    const app = currentApp();
    $('typing').hidden = runs.length === 0;
    $('typing-text').textContent = runs.length === 0 ? '' : (app ? app.name : 'The agent') + (runs.some((r) => r.streaming) ? ' is answering…' : ' is typing…');
  }

  function renderPanel() {
    const app = currentApp();
    const connections = app ? app.connections : [];
    const status = $('status');
    const closed = state.closed_connections || [];
    if (!app) {
      status.textContent = 'No agent is registered with the emulator.';
      status.className = 'status bad';
    } else if (connections.length > 0) {
      status.textContent = app.name + ' is connected (' + connections.length + ' connection' + (connections.length > 1 ? 's' : '') + ').';
      status.className = 'status ok';
    } else {
      status.textContent = closed.length > 0 ? app.name + ' is not connected: reconnecting…' : app.name + ' has not connected yet.';
      status.className = 'status bad';
    }
    $('connections').replaceChildren(...connections.map((c) => {
      const li = el('li');
      li.dataset.conn = c.conn_id;
      li.dataset.silent = String(c.silent);
      const label = el('span', null, c.conn_id + ' · ' + (c.silent ? 'silent' : 'open') + ' since ' + time(c.since) + ' · ' + c.events_delivered + ' events');
      const toggle = el('button', null, c.silent ? 'wake' : 'silence');
      toggle.type = 'button';
      toggle.addEventListener('click', () => act(() => post('/faults/silence', { conn_id: c.conn_id, silent: !c.silent })));
      li.append(label, toggle);
      return li;
    }));
    $('closed-connections').replaceChildren(...closed.map((c) => {
      const li = el('li', null, c.conn_id + ' · ' + (c.close_code === undefined ? 'dropped' : 'closed ' + c.close_code) + (c.reason ? ' (' + c.reason + ')' : '') + ' at ' + time(c.at));
      li.dataset.conn = c.conn_id;
      return li;
    }));
    $('armed').replaceChildren(...(state.armed_faults || []).map((f) => el('li', null, f)));
    $('events').replaceChildren(...(state.events || []).map((e) => {
      const tr = el('tr');
      tr.dataset.eventId = e.event_id;
      const what = el('td');
      what.append(el('div', null, e.event_type), el('small', null, e.event_id));
      const deliveries = el('td', null, e.attempts + (e.redeliveries > 0 ? ' (' + e.redeliveries + ' redelivered)' : '') + (e.writes > e.attempts ? ' ×' + e.writes + ' writes' : ''));
      const ack = el('td', e.ack === 'acked' ? 'ack-acked' : e.ack === 'waiting for ack' ? 'ack-waiting' : 'ack-bad', e.ack + (e.ignored_acks > 0 ? ' (' + e.ignored_acks + ' ignored)' : ''));
      tr.append(what, deliveries, ack);
      return tr;
    }));
  }

  async function act(action) {
    try {
      notice('');
      await action();
    } catch (e) {
      notice(e.message);
    }
  }

  function escapeRegExp(s) {
    return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }

  async function send() {
    const input = $('input');
    const text = input.value.trim();
    if (!text) return;
    const app = currentApp();
    if (!app) {
      notice('No agent is registered with the emulator.');
      return;
    }
    const known = (state.users || []).some((u) => u.user_id === sel.user);
    const user = { app_id: app.app_id, user_id: sel.user, user_name: known ? undefined : userName(sel.user) };
    const group = groupOf(sel.target);
    await act(async () => {
      if (!group) {
        await post('/inject/message', Object.assign(user, { text }));
      } else {
        const mention = new RegExp('^@(' + escapeRegExp(app.name) + '|' + escapeRegExp(app.app_id) + ')(\\s+|$)', 'i');
        const match = text.match(mention);
        const rest = match ? text.slice(match[0].length).trim() : '';
        if (!match || !rest) throw new Error('In a group, address the agent: @' + app.name + ' your message');
        await post('/inject/group-at', Object.assign(user, { group_id: group, text: rest }));
      }
      input.value = '';
    });
    await refresh();
  }

  function wire() {
    $('composer').addEventListener('submit', (e) => {
      e.preventDefault();
      send();
    });
    $('input').addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        send();
      }
    });
    $('app-select').addEventListener('change', (e) => { sel.app = e.target.value; saveSelection(); refresh(); });
    $('user-select').addEventListener('change', (e) => { sel.user = e.target.value; saveSelection(); refresh(); });
    $('target-select').addEventListener('change', (e) => {
      sel.target = e.target.value;
      saveSelection();
      const app = currentApp();
      if (groupOf(sel.target) && app && !$('input').value) $('input').value = '@' + app.name + ' ';
      refresh();
    });
    $('new-user').addEventListener('click', () => {
      const id = (prompt('User id (e.g. u_alice)') || '').trim();
      if (!id) return;
      const name = (prompt('Display name', id) || id).trim();
      act(async () => {
        await post('/users', { user_id: id, name });
        sel.user = id;
        saveSelection();
        await refresh();
      });
    });
    $('new-group').addEventListener('click', () => {
      const id = (prompt('Group id (e.g. sg_team)') || '').trim();
      if (!id) return;
      const app = currentApp();
      act(async () => {
        await post('/groups', { group_id: id, name: id, member_ids: [sel.user], agent_app_ids: app ? [app.app_id] : [] });
        sel.target = 'group:' + id;
        saveSelection();
        await refresh();
      });
    });
    $('stop-button').addEventListener('click', () => {
      const app = currentApp();
      act(() => Promise.all((state.open_runs || []).map((r) => post('/inject/cancel', { app_id: app.app_id, run_id: r.run_id }))));
    });
    $('fault-drop').addEventListener('click', () => act(() => post('/faults/drop-connection', { app_id: state.app_id })));
    $('fault-silent').addEventListener('click', () => {
      const app = currentApp();
      const open = app ? app.connections.find((c) => !c.silent) : undefined;
      act(async () => {
        if (!open) throw new Error('No open connection to make silent.');
        await post('/faults/silence', { conn_id: open.conn_id, silent: true });
      });
    });
    $('fault-duplicate').addEventListener('click', () => act(() => post('/faults/duplicate-events', { count: 1 })));
    $('fault-429').addEventListener('click', () => act(() => post('/faults/fail-requests', { count: 1, status: 429, retry_after_seconds: 1, path_prefix: '/agent/v1/messages/send' })));
    $('fault-revoke').addEventListener('click', () => act(() => post('/faults/revoke-tokens', { app_id: state.app_id })));
  }

  function listen() {
    const live = $('live');
    const events = new EventSource(api + '/ui/events');
    events.onopen = () => {
      live.textContent = 'live';
      live.className = 'live';
    };
    events.onmessage = () => refresh();
    events.onerror = () => {
      live.textContent = 'offline';
      live.className = 'live off';
    };
  }

  wire();
  listen();
  refresh();
})();
