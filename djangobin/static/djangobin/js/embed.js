// The embed view, framed by another site: it tells the page that frames it how tall it is, so the script-tag
// form (/embed/<slug>.js) can size its frame to the snippet. A height says nothing private: any origin may hear it.
(() => {
  if (window.parent === window) {
    return;
  }
  const post = () =>
    window.parent.postMessage({ djangobinEmbedHeight: document.documentElement.scrollHeight }, "*");
  new ResizeObserver(post).observe(document.body);
})();
