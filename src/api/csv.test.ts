// CSV cells for what the field sends: product names with commas and quotes, in any script, as
// sent; a cell a spreadsheet would run as a formula is still defused.
import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from './csv.ts';

describe('csvCell', () => {
  it('keeps Vietnamese product names as sent, quoting those with a comma or a quote', () => {
    expect(csvCell('Xăng E5 RON 92-II')).toBe('Xăng E5 RON 92-II');
    expect(csvCell('Dầu DO 0,05S-II')).toBe('"Dầu DO 0,05S-II"');
    expect(csvCell('Vòi "2", trái')).toBe('"Vòi ""2"", trái"');
  });

  it('still defuses a tag value that starts like a formula', () => {
    expect(csvCell('=HYPERLINK("http://x","Xăng")')).toBe(`"'=HYPERLINK(""http://x"",""Xăng"")"`);
    expect(csvCell('-5 RON')).toBe("'-5 RON");
    expect(csvCell('@nozzle')).toBe("'@nozzle");
    // spreadsheets skip leading spaces before a formula; an enterprise's name is text too
    expect(csvCell('  =1+2 Trading Co.')).toBe("'  =1+2 Trading Co.");
    expect(csvCell('Công ty =1+2')).toBe('Công ty =1+2');
    expect(csvCell(-5)).toBe('-5'); // a number is a number
  });

  it('writes a row per reading with its tags', () => {
    expect(toCsv(['ts', 'nozzle', 'product'], [['2026-12-03T03:00:00.000Z', '1', 'Dầu DO 0,05S-II']])).toBe(
      'ts,nozzle,product\r\n2026-12-03T03:00:00.000Z,1,"Dầu DO 0,05S-II"\r\n',
    );
  });
});
