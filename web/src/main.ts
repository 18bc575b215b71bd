import './style.css';
import { GridBuilderApi, resolveApiBase } from './api.js';
import { ApiKeyPanel } from './api-key-panel.js';
import { BuildView } from './build-view.js';
import { announce, byId, showError } from './dom.js';
import { filesOfDrop, visibleFiles } from './dropped-files.js';
import { Gallery } from './gallery.js';
import {
  GRID_ID_PATTERN,
  GRID_ID_RULE,
  gridIdFromUrl,
  putGridIdInUrl,
  randomGridId,
} from './grid-id.js';
import { Uploads } from './uploads.js';

/** Wires the page to the API once config.json said where it is; resolves to the upload queue. */
async function start(): Promise<Uploads> {
  const api = new GridBuilderApi(await resolveApiBase(), new ApiKeyPanel());
  byId<HTMLAnchorElement>('docs-link').href = api.docsUrl;

  const gridInput = byId<HTMLInputElement>('grid-id');
  const gridError = byId('grid-id-error');
  let gridId = gridIdFromUrl() ?? randomGridId();
  const currentGridId = () => gridId;

  const buildView = new BuildView(api, currentGridId);
  const gallery = new Gallery(api, currentGridId, (count) => buildView.setImageCount(count));
  const uploads = new Uploads(api, currentGridId, () => gallery.refreshSoon());

  const openGrid = (id: string) => {
    gridId = id;
    gridInput.value = id;
    gridInput.removeAttribute('aria-invalid');
    showError(gridError, undefined);
    putGridIdInUrl(id);
    buildView.clear();
    buildView.setImageCount(undefined);
    void gallery.refresh();
  };

  byId<HTMLFormElement>('grid-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const value = gridInput.value.trim();
    if (!GRID_ID_PATTERN.test(value)) {
      gridInput.setAttribute('aria-invalid', 'true');
      showError(gridError, GRID_ID_RULE);
      gridInput.focus();
      return;
    }
    openGrid(value);
    announce(`Opened grid ${value}.`);
  });
  gridInput.addEventListener('change', () => byId<HTMLFormElement>('grid-form').requestSubmit());
  byId('new-grid').addEventListener('click', () => {
    openGrid(randomGridId());
    announce(`Started a new grid, ${gridId}.`);
  });
  byId('refresh').addEventListener('click', () => void gallery.refresh());

  openGrid(gridId);
  return uploads;
}

const started = start();
started.catch((error) => {
  const message = byId('build-error');
  showError(message, `The page could not start: ${(error as Error).message}`);
});

/** Files chosen or dropped before start-up finished wait for it instead of getting lost. */
const addFiles = (files: File[]) =>
  void started.then(
    (uploads) => uploads.add(files),
    () => undefined,
  );

for (const id of ['file-input', 'folder-input']) {
  const input = byId<HTMLInputElement>(id);
  input.addEventListener('change', () => {
    addFiles(visibleFiles(input.files ?? []));
    input.value = '';
  });
}

// The whole page accepts drops, from the first moment, so a near miss does not open
// the photo in the tab.
const zone = byId('drop-zone');
document.addEventListener('dragover', (event) => {
  event.preventDefault();
  zone.classList.add('dragging');
});
document.addEventListener('dragleave', (event) => {
  if (!event.relatedTarget) zone.classList.remove('dragging');
});
document.addEventListener('drop', (event) => {
  event.preventDefault();
  zone.classList.remove('dragging');
  if (event.dataTransfer)
    void filesOfDrop(event.dataTransfer).then((files) => addFiles(visibleFiles(files)));
});
