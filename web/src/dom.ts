/** Small DOM helpers: typed lookups and element creation without innerHTML. */

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`The page has no #${id}`);
  return element as T;
}

export function make<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> & { className?: string } = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const element = Object.assign(document.createElement(tag), props);
  element.append(...children);
  return element;
}

/** Shows a message in an error paragraph, or hides it when `message` is empty. */
export function showError(element: HTMLElement, message: string | undefined): void {
  element.textContent = message ?? '';
  element.hidden = !message;
}

const statusRegion = () => byId('status');

/** Tells screen reader users what just happened (the polite live region). */
export function announce(message: string): void {
  const region = statusRegion();
  region.textContent = '';
  // A fresh text node after a tick makes repeated identical messages announce again.
  setTimeout(() => {
    region.textContent = message;
  }, 50);
}
