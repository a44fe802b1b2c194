/** Templates under templates/ are bundled as text: tsup maps `.tmpl` to esbuild's text loader. */
declare module '*.tmpl' {
  const text: string;
  export default text;
}
