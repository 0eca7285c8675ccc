// Minimal typing of the part of @lhncbc/ucum-lhc (CommonJS, ships no types) that MAG uses.
declare module '@lhncbc/ucum-lhc' {
  export interface UcumConversionResult {
    status: 'succeeded' | 'failed' | 'error';
    toVal: number | null;
    msg: string[];
  }
  export interface UcumValidationResult {
    status: 'valid' | 'invalid' | 'error';
    ucumCode: string | null;
    msg: string[];
  }
  export interface UcumLhcUtilsInstance {
    convertUnitTo(fromUnitCode: string, fromVal: number, toUnitCode: string): UcumConversionResult;
    validateUnitString(uStr: string, suggest?: boolean): UcumValidationResult;
  }
  const ucum: {
    UcumLhcUtils: { getInstance(): UcumLhcUtilsInstance };
  };
  export default ucum;
}
