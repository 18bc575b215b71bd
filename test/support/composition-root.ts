/**
 * The composition root, as tests reach it: one import to update when it moves
 * (issue 14 moves it to src/app/).
 */
export { createGridBuilder } from '../../src/bootstrap.js';
