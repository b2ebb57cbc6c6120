// adm-zip ships no types; the specs read entries and nothing more.
declare module 'adm-zip' {
  interface ZipEntry {
    entryName: string;
    getData(): Buffer;
  }

  export default class AdmZip {
    constructor(file?: string);
    getEntries(): ZipEntry[];
  }
}
