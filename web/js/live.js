// Live updates over Server-Sent Events. EventSource reconnects by itself after a dropped
// connection (sending Last-Event-ID, so missed events are replayed); if the server answers an
// error instead it gives up, so then we start a new one after a back-off. `reset` means the
// server could not replay: the caller refetches everything it shows.

export function connectLive(url, { onEvent, onReset, onState }) {
  let source = null;
  let retryMs = 1000;
  let timer = null;
  let reconnecting = false;

  const open = () => {
    source = new EventSource(url);
    source.onopen = () => {
      retryMs = 1000;
      onState(true);
      // A fresh EventSource (after a give-up) has no Last-Event-ID: refetch to catch up.
      if (reconnecting) { reconnecting = false; onReset(); }
    };
    source.onerror = () => {
      onState(false);
      if (source.readyState === EventSource.CLOSED) {
        reconnecting = true;
        clearTimeout(timer);
        timer = setTimeout(open, retryMs);
        retryMs = Math.min(retryMs * 2, 30000);
      }
    };
    for (const type of ['status', 'summary', 'alert']) {
      source.addEventListener(type, (e) => {
        let data;
        try { data = JSON.parse(e.data); } catch { return; }
        onEvent(type, data);
      });
    }
    source.addEventListener('reset', () => onReset());
  };
  open();
  return { close() { clearTimeout(timer); if (source) source.close(); } };
}
