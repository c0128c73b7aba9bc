// Parquet's thrift metadata in the compact protocol, for the batch layer: a reader of the file
// footer and page headers (decoded into plain objects holding only the fields the column reader
// uses) and a writer of structs for the gold files. parquetjs's generated thrift code builds a node-int64 Buffer per integer
// (through the deprecated Buffer constructor, whose node_modules check walks the stack), which
// cost more than the data itself on bronze files with many row groups, and loading the generated
// code took ~0.1 s of every pool thread's start.
//
// Integers are JS numbers (exact below 2^53, which bounds every offset and count in a file).

type Value = number | boolean | Uint8Array | Value[] | Struct;
type Struct = Map<number, Value>;

class CompactReader {
  constructor(
    private readonly buf: Uint8Array,
    public pos: number,
  ) {}

  private varint(): number {
    let result = 0;
    let scale = 1;
    for (;;) {
      const b = this.buf[this.pos++];
      if (b === undefined) throw new Error('truncated Parquet metadata');
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
  }

  private zigzag(): number {
    const n = this.varint();
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  private value(type: number): Value {
    switch (type) {
      case 1:
        return true;
      case 2:
        return false;
      case 3:
        return this.buf[this.pos++];
      case 4:
      case 5:
      case 6:
        return this.zigzag();
      case 7:
        this.pos += 8;
        return NaN; // doubles (statistics only) are skipped
      case 8: {
        const n = this.varint();
        const b = this.buf.subarray(this.pos, this.pos + n);
        this.pos += n;
        return b;
      }
      case 9:
      case 10: {
        const h = this.buf[this.pos++];
        const size = h >> 4 === 15 ? this.varint() : h >> 4;
        const t = h & 0x0f;
        const out: Value[] = [];
        // Booleans in containers take one byte each.
        for (let i = 0; i < size; i++) out.push(t === 1 || t === 2 ? this.buf[this.pos++] === 1 : this.value(t));
        return out;
      }
      case 11: {
        const size = this.varint();
        if (size === 0) return [];
        const kv = this.buf[this.pos++];
        for (let i = 0; i < size; i++) {
          this.value(kv >> 4);
          this.value(kv & 0x0f);
        }
        return [];
      }
      case 12:
        return this.struct();
      default:
        throw new Error(`unknown thrift type ${type}`);
    }
  }

  struct(): Struct {
    const out: Struct = new Map();
    let id = 0;
    for (;;) {
      const h = this.buf[this.pos++];
      if (h === 0) return out;
      if (h === undefined) throw new Error('truncated Parquet metadata');
      const delta = h >> 4;
      id = delta === 0 ? this.zigzag() : id + delta;
      out.set(id, this.value(h & 0x0f));
    }
  }
}

const num = (s: Struct, id: number, fallback = NaN): number => (s.get(id) as number | undefined) ?? fallback;
const str = (s: Struct, id: number): string => Buffer.from((s.get(id) as Uint8Array | undefined) ?? new Uint8Array(0)).toString('utf8');
const listOf = (s: Struct, id: number): Value[] => (s.get(id) as Value[] | undefined) ?? [];

export interface SchemaElement {
  name: string;
  /** Physical type (parquet Type enum), undefined for groups. */
  type: number | undefined;
  repetition: number | undefined;
  children: number;
}

export interface ColumnMeta {
  type: number;
  path: string[];
  codec: number;
  dataPageOffset: number;
  dictionaryPageOffset: number | undefined;
  totalCompressedSize: number;
}

export interface FooterMeta {
  rows: number;
  schema: SchemaElement[];
  rowGroups: { rows: number; columns: ColumnMeta[] }[];
  /** FileMetaData.key_value_metadata (a key without a value maps to ''). */
  keyValue: Map<string, string>;
}

export interface PageHeaderMeta {
  type: number;
  compressedSize: number;
  /** Data page v1 or v2 fields (a dictionary page's count and encoding); levels byte lengths are 0 for v1 (levels are inside the body). */
  numValues: number;
  numNulls: number;
  encoding: number;
  defLevelsBytes: number;
  repLevelsBytes: number;
  isCompressed: boolean;
  /** Header length in bytes. */
  headerBytes: number;
}

export function decodeFooter(metadata: Uint8Array): FooterMeta {
  const s = new CompactReader(metadata, 0).struct();
  return {
    rows: num(s, 3),
    schema: listOf(s, 2).map((v) => {
      const e = v as Struct;
      return { name: str(e, 4), type: e.get(1) as number | undefined, repetition: e.get(3) as number | undefined, children: num(e, 5, 0) };
    }),
    rowGroups: listOf(s, 4).map((v) => {
      const rg = v as Struct;
      return {
        rows: num(rg, 3),
        columns: listOf(rg, 1).map((c) => {
          const m = ((c as Struct).get(3) as Struct | undefined) ?? new Map<number, Value>();
          return {
            type: num(m, 1),
            path: listOf(m, 3).map((p) => Buffer.from(p as Uint8Array).toString('utf8')),
            codec: num(m, 4),
            dataPageOffset: num(m, 9),
            dictionaryPageOffset: m.get(11) as number | undefined,
            totalCompressedSize: num(m, 7),
          };
        }),
      };
    }),
    keyValue: new Map(listOf(s, 5).map((v) => [str(v as Struct, 1), str(v as Struct, 2)])),
  };
}

export function decodePageHeader(file: Uint8Array, offset: number): PageHeaderMeta {
  const r = new CompactReader(file, offset);
  const h = r.struct();
  const v1 = h.get(5) as Struct | undefined;
  const v2 = h.get(8) as Struct | undefined;
  const dict = h.get(7) as Struct | undefined;
  return {
    type: num(h, 1),
    compressedSize: num(h, 3),
    numValues: v1 ? num(v1, 1) : v2 ? num(v2, 1) : dict ? num(dict, 1) : 0,
    numNulls: v2 ? num(v2, 2) : 0,
    encoding: v1 ? num(v1, 2) : v2 ? num(v2, 4) : dict ? num(dict, 2) : -1,
    defLevelsBytes: v2 ? num(v2, 5) : 0,
    repLevelsBytes: v2 ? num(v2, 6) : 0,
    isCompressed: v2 ? (v2.get(7) as boolean | undefined) ?? true : true,
    headerBytes: r.pos - offset,
  };
}

// Writing: structs are given as [field id, value] pairs in ascending id order; a value is typed
// by the helpers below, so the encoder needs no schema.
export type TField = [id: number, value: TValue | undefined];
export type TValue = { t: 'i32' | 'i64'; v: number } | { t: 'bin'; v: string } | { t: 'list'; of: 'i32' | 'bin' | 'struct'; v: (number | string | TField[])[] } | { t: 'struct'; v: TField[] };

export const i32 = (v: number): TValue => ({ t: 'i32', v });
export const i64 = (v: number): TValue => ({ t: 'i64', v });
export const bin = (v: string): TValue => ({ t: 'bin', v });
export const struct = (v: TField[]): TValue => ({ t: 'struct', v });
export const list = (of: 'i32' | 'bin' | 'struct', v: (number | string | TField[])[]): TValue => ({ t: 'list', of, v });

const TYPE_ID = { i32: 5, i64: 6, bin: 8, list: 9, struct: 12 } as const;

class CompactWriter {
  private readonly bytes: number[] = [];

  private varint(n: number): void {
    for (; n >= 128; n = Math.floor(n / 128)) this.bytes.push((n % 128) | 0x80);
    this.bytes.push(n);
  }

  private zigzag(n: number): void {
    if (!Number.isSafeInteger(n)) throw new RangeError(`thrift integer ${n} is not exact`);
    this.varint(n >= 0 ? 2 * n : -2 * n - 1);
  }

  private element(t: 'i32' | 'bin' | 'struct', v: number | string | TField[]): void {
    if (t === 'i32') this.zigzag(v as number);
    else if (t === 'bin') this.binary(v as string);
    else this.struct(v as TField[]);
  }

  private binary(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.varint(b.length);
    for (const x of b) this.bytes.push(x);
  }

  struct(fields: TField[]): void {
    let last = 0;
    for (const [id, value] of fields) {
      if (value === undefined) continue;
      const type = TYPE_ID[value.t];
      if (id > last && id - last <= 15) this.bytes.push(((id - last) << 4) | type);
      else {
        this.bytes.push(type);
        this.zigzag(id);
      }
      last = id;
      switch (value.t) {
        case 'i32':
        case 'i64':
          this.zigzag(value.v);
          break;
        case 'bin':
          this.binary(value.v);
          break;
        case 'list':
          if (value.v.length < 15) this.bytes.push((value.v.length << 4) | TYPE_ID[value.of]);
          else {
            this.bytes.push(0xf0 | TYPE_ID[value.of]);
            this.varint(value.v.length);
          }
          for (const e of value.v) this.element(value.of, e);
          break;
        case 'struct':
          this.struct(value.v);
          break;
        default: {
          const never: never = value;
          throw new Error(`unknown thrift value ${JSON.stringify(never)}`);
        }
      }
    }
    this.bytes.push(0);
  }

  finish(): Buffer {
    return Buffer.from(this.bytes);
  }
}

/** A thrift struct in the compact protocol. */
export function encodeStruct(fields: TField[]): Buffer {
  const w = new CompactWriter();
  w.struct(fields);
  return w.finish();
}
