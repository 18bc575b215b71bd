import './style.css';
import { GridBuilderApi, resolveApiBase } from './api.js';
import { ApiKeyPanel } from './api-key-panel.js';
import { BuildView } from './build-view.js';
import { announce, byId, make, showError } from './dom.js';
import { carriesFiles, filesOfDrop, visibleFiles } from './dropped-files.js';
import { Gallery } from './gallery.js';
import {
  GRID_ID_PATTERN,
  GRID_ID_RULE,
  gridIdInUrl,
  putGridIdInUrl,
  randomGridId,
  suggestGridId,
} from './grid-id.js';
import { LayoutPreview } from './layout-preview.js';
import { Uploads } from './uploads.js';

/** Wires the page to the API once config.json said where it is; resolves to the upload queue. */
async function start(linked: string): Promise<Uploads> {
  const api = new GridBuilderApi(await resolveApiBase(), new ApiKeyPanel());
  byId<HTMLAnchorElement>('docs-link').href = api.docsUrl;

  const gridInput = byId<HTMLInputElement>('grid-id');
  const gridError = byId('grid-id-error');
  /** The open grid; undefined while the link's id is not valid and nothing else was chosen. */
  let gridId: string | undefined;
  const currentGridId = () => gridId;

  // The build view is told of uploads and listings, and asks for them, once all three exist.
  const buildView = new BuildView(api, currentGridId, {
    pendingUploads: () => uploads.pending,
    uploadsSettled: () => uploads.settled(),
    refreshListing: () => void gallery.refresh(),
  });
  const preview = new LayoutPreview();
  const gallery = new Gallery(api, currentGridId, (images) => {
    buildView.setListing(images);
    preview.setListing(images);
  });
  const uploads = new Uploads(
    api,
    currentGridId,
    () => {
      buildView.imageAdded();
      gallery.refreshSoon();
    },
    () => showBadGridId(gridInput.value),
    () => buildView.uploadsChanged(),
  );

  const openGrid = (id: string) => {
    // Another grid: the upload rows and summary were the previous one's.
    if (id !== gridId) uploads.clear();
    gridId = id;
    gridInput.value = id;
    gridInput.removeAttribute('aria-invalid');
    showError(gridError, undefined);
    putGridIdInUrl(id);
    buildView.clear();
    buildView.setListing(undefined);
    preview.setListing(undefined);
    void gallery.refresh();
  };

  /** Marks the field, says what is wrong, focuses it, and offers the nearest valid id. */
  const showBadGridId = (value: string) => {
    gridInput.setAttribute('aria-invalid', 'true');
    const said =
      value.trim() === '' ? 'An empty grid id is not valid.' : `"${value}" is not a valid grid id.`;
    showError(gridError, `${said} ${GRID_ID_RULE} Correct it and choose Open, or choose New grid.`);
    const suggestion = suggestGridId(value);
    if (suggestion) {
      const fix = make('button', {
        type: 'button',
        id: 'grid-id-fix',
        className: 'button secondary',
        textContent: `Open ${suggestion}`,
      });
      fix.addEventListener('click', () => {
        openGrid(suggestion);
        announce(`Opened grid ${suggestion}.`);
      });
      gridError.append(' ', fix);
    }
    gridInput.focus();
  };

  byId<HTMLFormElement>('grid-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const value = gridInput.value.trim();
    if (!GRID_ID_PATTERN.test(value)) {
      showBadGridId(value);
      return;
    }
    openGrid(value);
    announce(`Opened grid ${value}.`);
  });
  gridInput.addEventListener('change', () => byId<HTMLFormElement>('grid-form').requestSubmit());
  byId('new-grid').addEventListener('click', () => {
    const id = randomGridId();
    openGrid(id);
    announce(`Started a new grid, ${id}.`);
  });
  byId('refresh').addEventListener('click', () => void gallery.refresh());

  // A link's bad id is shown as it is, with the fix, not silently swapped for a new grid:
  // the person may have meant a grid they already filled.
  if (GRID_ID_PATTERN.test(linked)) openGrid(linked);
  else {
    gridInput.value = linked;
    void gallery.refresh();
    showBadGridId(linked);
  }
  return uploads;
}

/**
 * The grid id goes into the address at once, before the page has loaded: Chromium looks
 * the favicon up again when the address changes later (a second fetch while the first one
 * is still under way), and a link copied early already names the grid.
 */
const initialGridId = gridIdInUrl() ?? randomGridId();
if (GRID_ID_PATTERN.test(initialGridId)) putGridIdInUrl(initialGridId);
const started = start(initialGridId);
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
// the photo in the tab. Only files are uploads: a tile dragged in the image list is not.
const zone = byId('drop-zone');
document.addEventListener('dragover', (event) => {
  event.preventDefault();
  if (carriesFiles(event.dataTransfer)) zone.classList.add('dragging');
});
document.addEventListener('dragleave', (event) => {
  if (!event.relatedTarget) zone.classList.remove('dragging');
});
document.addEventListener('drop', (event) => {
  event.preventDefault();
  zone.classList.remove('dragging');
  if (event.dataTransfer && carriesFiles(event.dataTransfer))
    void filesOfDrop(event.dataTransfer).then((files) => addFiles(visibleFiles(files)));
});
