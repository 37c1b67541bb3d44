// The dbxops local console. Plain browser JavaScript, no build step. Every `html` field comes from the
// server's card renderers, which escape every value; text we make here goes through textContent only.

(() => {
  const $ = (id) => document.getElementById(id);
  const state = {
    user: null,
    channels: [],
    current: null,
    unread: new Map(),
    everConnected: false,
  };

  /** A per-click id: crypto.randomUUID where the browser has it (secure contexts), random hex otherwise. */
  function newRequestId() {
    if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  async function api(path, body) {
    const init =
      body === undefined
        ? { headers: { accept: 'application/json' } }
        : {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'application/json' },
            body: JSON.stringify(body),
          };
    const res = await fetch(path, init);
    let json = null;
    try {
      json = await res.json();
    } catch {
      json = null;
    }
    if (res.status === 401 && json && typeof json.login === 'string') {
      // Signed out or the session ended: the server says where to sign in.
      location.assign(json.login);
    }
    if (!res.ok) {
      const message = json && typeof json.message === 'string' ? json.message : `HTTP ${res.status}`;
      throw new Error(message);
    }
    return json;
  }

  function timeLabel(ms) {
    const d = new Date(ms);
    return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /**
   * The strip under the channel header: which workspace dbxops watches, its clock (simulated in the
   * embedded demo, ticking here at the demo's speed between refreshes) and what the demo does next.
   */
  const workspace = { status: null, fetchedAt: 0 };

  async function loadStatus() {
    try {
      workspace.status = await api('/api/status');
      workspace.fetchedAt = Date.now();
    } catch {
      workspace.status = null;
    }
    renderStatus();
  }

  function clockLabel(ms) {
    return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  }

  function renderStatus() {
    const s = workspace.status;
    $('workspace-status').hidden = s === null;
    if (s === null) return;
    const now = s.now + (Date.now() - workspace.fetchedAt) * s.speed;
    const demo = s.mode === 'embedded';
    $('ws-name').textContent = demo ? `Demo workspace ${s.name}` : `Watching ${s.name}`;
    $('ws-name').title = s.description || s.host;
    $('ws-clock').textContent = demo
      ? `simulated ${clockLabel(now)} · ${s.speed}× speed`
      : `workspace time ${clockLabel(now)}`;
    const next = s.next;
    if (next && next.at > now) {
      const inSeconds = Math.max(0, Math.round((next.at - now) / s.speed / 1000));
      const when = inSeconds < 120 ? `in ~${inSeconds} s` : `in ~${Math.round(inSeconds / 60)} min`;
      $('ws-next').textContent = `Next, at ${clockLabel(next.at).slice(11, 16)} (${when}): ${next.text}`;
    } else {
      $('ws-next').textContent = '';
    }
    const health = Array.isArray(s.health) ? s.health : [];
    $('ws-health').hidden = health.length === 0;
    $('ws-health').textContent = health.length === 0 ? '' : `⚠ Monitoring: ${health.join(' · ')}`;
  }

  /** Author and time; `at` is the server's clock (simulated in the embedded default), so ephemerals omit it. */
  function meta(author, at) {
    const line = el('div', 'meta');
    line.append(el('span', author === 'dbxops' ? 'author bot' : 'author', author));
    if (author === 'dbxops') line.append(el('span', 'badge', 'APP'));
    if (at !== undefined) {
      const when = el('time', 'when', timeLabel(at));
      when.dateTime = new Date(at).toISOString();
      when.title = new Date(at).toISOString();
      line.append(when);
    }
    return line;
  }

  function renderReply(reply) {
    const node = el('div', 'reply');
    node.dataset.messageId = reply.id;
    const body = el('div', 'body');
    body.innerHTML = reply.html;
    node.append(meta(reply.author, reply.at), body);
    return node;
  }

  function renderMessage(message) {
    const node = el('article', 'msg');
    node.dataset.messageId = message.id;
    const body = el('div', 'body');
    body.innerHTML = message.html;
    const thread = el('div', 'thread');
    if (message.repliesDropped > 0)
      thread.append(el('div', 'dropped', `${message.repliesDropped} earlier replies not shown`));
    for (const r of message.replies) thread.append(renderReply(r));
    thread.hidden = message.replies.length === 0 && message.repliesDropped === 0;
    node.append(meta(message.author, message.at), body, thread);
    return node;
  }

  function nearBottom() {
    const s = $('scroller');
    return s.scrollHeight - s.scrollTop - s.clientHeight < 120;
  }

  /** `#<channel>` opens a channel; `#incident/<id>` (the cards' "Full incident" link) finds its card. */
  async function openFromHash() {
    const target = decodeURIComponent(location.hash.slice(1));
    const incident = /^incident\/([A-Za-z0-9_.:-]{1,128})$/.exec(target);
    if (!incident) {
      await selectChannel(target || 'incidents');
      return;
    }
    for (const channel of state.channels) {
      if (channel.kind !== 'channel') continue;
      await selectChannel(channel.id);
      const card = document.querySelector(`article.dbx-incident[data-incident-id="${incident[1]}"]`);
      if (card) {
        card.scrollIntoView({ block: 'center' });
        card.classList.add('dbx-focus');
        setTimeout(() => card.classList.remove('dbx-focus'), 4000);
        return;
      }
    }
    await selectChannel('incidents');
    showError(`Incident ${incident[1]} is not in any channel's recent messages; try /dbx incidents.`);
  }

  function scrollToBottom() {
    const s = $('scroller');
    s.scrollTop = s.scrollHeight;
  }

  function renderSidebar() {
    for (const [listId, kind] of [
      ['channels', 'channel'],
      ['dms', 'direct'],
    ]) {
      const list = $(listId);
      list.replaceChildren();
      for (const c of state.channels.filter((x) => x.kind === kind)) {
        const item = el('li');
        const button = el('button', 'channel');
        button.type = 'button';
        button.dataset.channelId = c.id;
        button.append(el('span', 'channel-name', kind === 'direct' ? `● ${c.name}` : c.name));
        const unread = state.unread.get(c.id) ?? 0;
        if (unread > 0) button.append(el('span', 'unread', String(unread)));
        if (c.id === state.current) button.setAttribute('aria-current', 'page');
        button.addEventListener('click', () => selectChannel(c.id));
        item.append(button);
        list.append(item);
      }
    }
  }

  async function loadChannels() {
    const data = await api('/api/channels');
    state.user = data.user;
    state.channels = data.channels;
    $('user').textContent = data.user;
    $('sign-out').hidden = data.auth !== 'login';
  }

  async function loadMessages() {
    const id = state.current;
    const data = await api(`/api/channels/${encodeURIComponent(id)}/messages`);
    if (id !== state.current) return;
    const stick = nearBottom();
    $('messages').replaceChildren(...data.messages.map(renderMessage));
    if (data.messages.length === 0) {
      $('messages').append(
        el('p', 'empty', 'Nothing here yet. Incident cards appear as soon as dbxops finds something.'),
      );
    }
    if (stick) scrollToBottom();
  }

  async function selectChannel(id) {
    const channel = state.channels.find((c) => c.id === id) ?? state.channels[0];
    if (!channel) return;
    state.current = channel.id;
    state.unread.delete(channel.id);
    history.replaceState(null, '', `#${channel.id}`);
    $('channel-name').textContent = channel.kind === 'direct' ? channel.name : channel.name;
    $('channel-topic').textContent = channel.topic;
    $('ephemeral').replaceChildren();
    renderSidebar();
    await loadMessages();
    scrollToBottom();
  }

  function showEphemeral(items) {
    for (const item of items ?? []) {
      const node = el('article', 'msg ephemeral');
      const line = meta('dbxops');
      line.append(el('span', 'only-you', 'Only visible to you'));
      const dismiss = el('button', 'dismiss', 'Dismiss');
      dismiss.type = 'button';
      dismiss.addEventListener('click', () => node.remove());
      line.append(dismiss);
      const body = el('div', 'body');
      body.innerHTML = item.html;
      node.append(line, body);
      $('ephemeral').append(node);
    }
    scrollToBottom();
  }

  function showError(text) {
    const node = el('article', 'msg ephemeral error');
    node.append(meta('dbxops'), el('p', 'dbx-text', text));
    $('ephemeral').append(node);
    scrollToBottom();
  }

  async function pressButton(button) {
    // An answer only you see (the candidates for an ambiguous name) is no message of the channel: its
    // buttons run a command and act on no card, so they name message m0, which never exists.
    const msg = button.closest('[data-message-id]') ?? button.closest('.ephemeral');
    if (!msg || button.disabled) return;
    // Disabled while in flight; a second click that still gets through carries its own request id and
    // the handler makes it a no-op.
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    try {
      const out = await api('/api/actions', {
        channelId: state.current,
        messageId: msg.dataset.messageId ?? 'm0',
        actionId: button.dataset.actionId,
        value: button.dataset.value,
        requestId: newRequestId(),
      });
      showEphemeral(out.ephemeral);
    } catch (error) {
      showError(`That button did not work: ${error.message}`);
    } finally {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  }

  async function send(text) {
    const out = await api('/api/composer', { channelId: state.current, text, requestId: newRequestId() });
    showEphemeral(out.ephemeral);
  }

  function applyEvent(type, data) {
    if (data.channelId !== state.current) {
      if (type === 'message') {
        state.unread.set(data.channelId, (state.unread.get(data.channelId) ?? 0) + 1);
        if (!state.channels.some((c) => c.id === data.channelId)) {
          loadChannels().then(renderSidebar, () => {});
        }
        renderSidebar();
      }
      return;
    }
    const stick = nearBottom();
    const list = $('messages');
    if (type === 'message') {
      list.querySelector('.empty')?.remove();
      list.append(renderMessage(data.message));
      while (list.children.length > 500) list.firstElementChild.remove();
    } else if (type === 'update') {
      const node = list.querySelector(
        `article.msg[data-message-id="${CSS.escape(data.message.id)}"] > .body`,
      );
      if (node) node.innerHTML = data.message.html;
    } else if (type === 'reply') {
      const parent = list.querySelector(
        `article.msg[data-message-id="${CSS.escape(data.parentId)}"] > .thread`,
      );
      if (parent) {
        parent.hidden = false;
        parent.append(renderReply(data.reply));
      }
    }
    if (stick) scrollToBottom();
  }

  function setConnection(status, text) {
    const conn = $('conn');
    conn.className = `conn conn-${status}`;
    conn.textContent = text;
  }

  function connect() {
    const source = new EventSource('/api/events');
    source.addEventListener('open', () => {
      setConnection('live', 'live');
      // After a drop, anything missed is read again rather than replayed.
      if (state.everConnected && state.current) loadMessages().catch(() => {});
      state.everConnected = true;
    });
    source.addEventListener('error', () => setConnection('down', 'reconnecting…'));
    for (const type of ['message', 'update', 'reply']) {
      source.addEventListener(type, (event) => {
        try {
          applyEvent(type, JSON.parse(event.data));
        } catch {
          // A malformed event is skipped; the next reload shows the truth.
        }
      });
    }
  }

  function wireComposer() {
    const form = $('composer');
    const box = $('composer-text');
    const button = $('send-button');
    const grow = () => {
      box.style.height = 'auto';
      box.style.height = `${Math.min(box.scrollHeight, 200)}px`;
    };
    box.addEventListener('input', grow);
    box.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const text = box.value.trim();
      if (text === '' || button.disabled) return;
      button.disabled = true;
      try {
        await send(text);
        box.value = '';
        grow();
      } catch (error) {
        showError(`Not sent: ${error.message}`);
      } finally {
        button.disabled = false;
        box.focus();
      }
    });
  }

  function wireKeys() {
    document.addEventListener('keydown', (event) => {
      const typing = event.target instanceof HTMLTextAreaElement || event.target instanceof HTMLInputElement;
      if (event.key === '/' && !typing) {
        $('composer-text').focus();
      } else if (event.altKey && (event.key === 'ArrowUp' || event.key === 'ArrowDown')) {
        event.preventDefault();
        const order = [
          ...state.channels.filter((c) => c.kind === 'channel'),
          ...state.channels.filter((c) => c.kind === 'direct'),
        ];
        const at = order.findIndex((c) => c.id === state.current);
        const next = order[(at + (event.key === 'ArrowUp' ? -1 : 1) + order.length) % order.length];
        if (next) selectChannel(next.id);
      }
    });
  }

  async function start() {
    document.addEventListener('click', (event) => {
      const button = event.target instanceof Element ? event.target.closest('button.dbx-btn') : null;
      if (button) pressButton(button);
    });
    $('home-button').addEventListener('click', async () => {
      try {
        showEphemeral((await api('/api/home')).ephemeral);
      } catch (error) {
        showError(`Could not load open incidents: ${error.message}`);
      }
    });
    $('sign-out').addEventListener('click', async () => {
      try {
        await api('/api/logout', {});
      } finally {
        location.assign('/login');
      }
    });
    wireComposer();
    wireKeys();
    connect();
    loadStatus();
    setInterval(renderStatus, 1_000);
    setInterval(loadStatus, 15_000);
    try {
      await loadChannels();
      await openFromHash();
      window.addEventListener('hashchange', () => {
        openFromHash().catch((error) => showError(`Could not open ${location.hash}: ${error.message}`));
      });
    } catch (error) {
      showError(`The console could not load: ${error.message}`);
    }
    // Cards are rendered on the server at read time; re-reading keeps SLA countdowns current.
    setInterval(() => {
      if (state.current) loadMessages().catch(() => {});
    }, 60_000);
  }

  start();
})();
