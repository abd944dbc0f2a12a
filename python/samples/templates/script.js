(() => {
  const pad = (n) => String(n).padStart(2, '0');
  const span = (s) => {
    s = Math.floor(s);
    const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60), x = s % 60;
    if (d) return `${d}d ${h}h ${pad(m)}m`;
    if (h) return `${h}h ${pad(m)}m ${pad(x)}s`;
    if (m) return `${m}m ${pad(x)}s`;
    return `${x}s`;
  };
  const tick = () => {
    const now = Date.now() / 1000;
    for (const el of document.querySelectorAll('[data-expires]')) {
      const left = Number(el.dataset.expires) - now;
      el.textContent = left > 0 ? `expires in ${span(left)}` : `expired ${span(-left)} ago`;
      el.classList.toggle('expired', left <= 0);
      el.classList.toggle('soon', left > 0 && left < 300);
    }
  };
  for (const el of document.querySelectorAll('time.local')) {
    el.textContent = new Date(el.getAttribute('datetime')).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
  }
  tick();
  setInterval(tick, 1000);
})();
