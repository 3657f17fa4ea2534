// Kept so existing imports stand: the wave machine lives in machines/wave/.
export * from './wave/index.js';
