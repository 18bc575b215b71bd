/**
 * The files of a drop, folders included: DataTransferItem.webkitGetAsEntry walks
 * dropped folders (every current browser has it). Hidden files (.DS_Store and the
 * like) are left out.
 */
export async function filesOfDrop(transfer: DataTransfer): Promise<File[]> {
  const entries = Array.from(transfer.items)
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry?.())
    .filter((entry): entry is FileSystemEntry => Boolean(entry));
  if (entries.length === 0) return Array.from(transfer.files);
  const files: File[] = [];
  for (const entry of entries) files.push(...(await filesOfEntry(entry)));
  return files;
}

/** True for a drag of files (from the file manager), not of something on the page. */
export const carriesFiles = (transfer: DataTransfer | null): boolean =>
  Boolean(transfer?.types.includes('Files'));

export const visibleFiles = (files: Iterable<File>) =>
  Array.from(files).filter((file) => !file.name.startsWith('.'));

async function filesOfEntry(entry: FileSystemEntry): Promise<File[]> {
  if (entry.name.startsWith('.')) return [];
  if (entry.isFile) {
    return [
      await new Promise<File>((resolve, reject) =>
        (entry as FileSystemFileEntry).file(resolve, reject),
      ),
    ];
  }
  if (!entry.isDirectory) return [];
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const children: FileSystemEntry[] = [];
  // readEntries answers in batches (100 in Chromium) until it returns an empty one.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (batch.length === 0) break;
    children.push(...batch);
  }
  children.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  const files: File[] = [];
  for (const child of children) files.push(...(await filesOfEntry(child)));
  return files;
}
