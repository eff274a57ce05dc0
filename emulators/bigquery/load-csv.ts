// CSV as BigQuery's load jobs read it (JobConfigurationLoad): fieldDelimiter
// (default ",", "\t" or "tab"), quote (default '"', "" for none),
// allowQuotedNewlines (default false: a line break inside quotes is an
// error), skipLeadingRows, encoding (UTF-8 or ISO-8859-1). Each record keeps
// its starting byte offset, for BigQuery-style error locations. A record that
// cannot be read (unclosed quote, text after a closing quote) is an error of
// that record only; reading goes on at the next line.

export interface CsvOptions {
  delimiter: string;
  quote: string;
  allowQuotedNewlines: boolean;
}

export interface CsvRecord {
  fields: string[];
  /** Which fields were quoted (an empty quoted field is an empty string, not NULL). */
  quoted: boolean[];
  /** Byte offset of the record's first character (UTF-8 input: character offset). */
  position: number;
}

export interface CsvError {
  position: number;
  message: string;
}

export function csvOptionsOf(conf: Record<string, unknown>): CsvOptions {
  let delimiter = typeof conf['fieldDelimiter'] === 'string' ? conf['fieldDelimiter'] : ',';
  if (delimiter === '\\t' || delimiter.toLowerCase() === 'tab') delimiter = '\t';
  const quote = typeof conf['quote'] === 'string' ? conf['quote'] : '"';
  return { delimiter: delimiter.slice(0, 1) || ',', quote: quote.slice(0, 1), allowQuotedNewlines: conf['allowQuotedNewlines'] === true };
}

export function decodeCsv(data: Buffer, encoding: unknown): string {
  const text = encoding === 'ISO-8859-1' ? data.toString('latin1') : data.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export function parseCsv(text: string, o: CsvOptions): { records: CsvRecord[]; errors: CsvError[] } {
  const records: CsvRecord[] = [];
  const errors: CsvError[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const position = i;
    const fields: string[] = [];
    const quoted: boolean[] = [];
    let error: string | undefined;
    for (;;) {
      let value = '';
      let wasQuoted = false;
      if (o.quote !== '' && text[i] === o.quote) {
        wasQuoted = true;
        i++;
        for (;;) {
          if (i >= n) {
            error = `Missing close quote (${o.quote}) character`;
            break;
          }
          const c = text[i]!;
          if (c === o.quote) {
            if (text[i + 1] === o.quote) {
              value += c;
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if ((c === '\n' || c === '\r') && !o.allowQuotedNewlines) {
            error = 'Missing close quote character; a quoted field holds a line break, which needs allowQuotedNewlines';
            break;
          }
          value += c;
          i++;
        }
        if (!error && i < n && text[i] !== o.delimiter && text[i] !== '\n' && text[i] !== '\r') error = `Data between close quote (${o.quote}) and field separator`;
      } else {
        const start = i;
        while (i < n && text[i] !== o.delimiter && text[i] !== '\n' && text[i] !== '\r') i++;
        value = text.slice(start, i);
      }
      if (error) break;
      fields.push(value);
      quoted.push(wasQuoted);
      if (i < n && text[i] === o.delimiter) {
        i++;
        continue;
      }
      break;
    }
    if (error) {
      errors.push({ position, message: error });
      // Skip to the next line and go on.
      while (i < n && text[i] !== '\n') i++;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    if (!error && !(fields.length === 1 && fields[0] === '' && !quoted[0])) records.push({ fields, quoted, position });
  }
  return { records, errors };
}
