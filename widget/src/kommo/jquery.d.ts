// Kommo ships jQuery to every widget; we use a sliver of it and keep the bundle free of
// @types/jquery, so only that sliver is declared here.
declare module 'jquery' {
  interface JQueryLike {
    length: number;
    get(index: number): HTMLElement | undefined;
  }

  function jQuery(target: string | Element | JQueryLike | null | undefined): JQueryLike;

  export default jQuery;
}
