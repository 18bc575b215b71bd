import type { KeyGate } from './api.js';
import { announce, byId, showError } from './dom.js';

/** Where the key is kept: this browser's local storage for the page's origin, never the URL. */
const STORAGE_KEY = 'gridbuilder.apiKey';

/** localStorage, or memory alone where the browser refuses storage (some private modes). */
class KeyStore {
  private memory: string | undefined;

  get(): string | undefined {
    try {
      return localStorage.getItem(STORAGE_KEY) || undefined;
    } catch {
      return this.memory;
    }
  }

  set(key: string | undefined): void {
    this.memory = key;
    try {
      if (key) localStorage.setItem(STORAGE_KEY, key);
      else localStorage.removeItem(STORAGE_KEY);
    } catch {
      // Kept in memory for this visit only.
    }
  }
}

/**
 * The "Settings" area with the API key field. It is always there to open; a 401 from
 * the API opens it, shows the server's message and holds the refused calls until the
 * user saves a key, then lets them all retry with it.
 */
export class ApiKeyPanel implements KeyGate {
  private readonly store = new KeyStore();
  private readonly settings = byId<HTMLDetailsElement>('settings');
  private readonly form = byId<HTMLFormElement>('api-key-form');
  private readonly input = byId<HTMLInputElement>('api-key');
  private readonly error = byId('api-key-error');
  private readonly state = byId('api-key-state');
  /** The calls waiting for a key, released together on save. */
  private waiting: { promise: Promise<void>; release: () => void } | undefined;

  constructor() {
    this.input.value = this.store.get() ?? '';
    this.showState();
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.save(this.input.value.trim());
    });
    byId('api-key-forget').addEventListener('click', () => {
      this.input.value = '';
      this.save('');
      this.input.focus();
    });
  }

  current(): string | undefined {
    return this.store.get();
  }

  refused(message: string): Promise<void> {
    const hint = this.current()
      ? 'Check the key, or enter another one, and choose Save key.'
      : 'Enter your key and choose Save key.';
    showError(this.error, `${message} ${hint}`);
    this.showState(this.current() ? 'API key refused' : '');
    this.input.setAttribute('aria-invalid', 'true');
    if (!this.waiting) {
      // The first refusal of a round opens the settings and takes the user to the field.
      this.settings.open = true;
      this.settings.scrollIntoView({ block: 'nearest' });
      this.input.focus();
      let release = () => {};
      const promise = new Promise<void>((resolve) => {
        release = resolve;
      });
      this.waiting = { promise, release };
    }
    return this.waiting.promise;
  }

  private save(key: string): void {
    this.store.set(key || undefined);
    showError(this.error, undefined);
    this.input.removeAttribute('aria-invalid');
    this.showState();
    announce(key ? 'API key saved.' : 'API key removed from this browser.');
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.release();
  }

  /** The note next to "Settings", so the state shows with the panel closed too. */
  private showState(text = this.current() ? 'API key saved' : ''): void {
    this.state.textContent = text;
    this.state.hidden = !text;
  }
}
