const path = require('node:path');

/**
 * Kommo loads script.js with requirejs and hands it its own jQuery, underscore, twig and
 * moment, so those stay external: the bundle asks for them in its define([...]) list.
 */
const KOMMO_PROVIDED = ['jquery', 'underscore', 'twigjs', 'moment'];

module.exports = {
  mode: 'production',
  context: __dirname,
  entry: './src/index.ts',
  target: ['web', 'es2019'],
  devtool: false,
  output: {
    path: path.join(__dirname, 'dist'),
    filename: 'script.js',
    library: { type: 'amd', export: 'default' },
    clean: true,
  },
  externals: Object.fromEntries(KOMMO_PROVIDED.map((name) => [name, name])),
  resolve: { extensions: ['.ts', '.js'] },
  module: {
    rules: [
      {
        test: /\.ts$/,
        loader: 'ts-loader',
        exclude: /node_modules/,
        options: { configFile: path.join(__dirname, 'tsconfig.build.json') },
      },
    ],
  },
  performance: { hints: false },
};
