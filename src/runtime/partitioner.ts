// Key -> partition. FNV-1a over UTF-16 code units: stable across threads, processes and runs,
// so a symbol's state always lives on the same instance.

export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export const partitionFor = (key: string, partitions: number): number => hashKey(key) % partitions;
