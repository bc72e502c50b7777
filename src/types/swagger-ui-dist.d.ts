declare module 'swagger-ui-dist/absolute-path.js' {
  /** Folder holding swagger-ui's built assets. */
  function getAbsoluteFSPath(): string;
  export = getAbsoluteFSPath;
}
