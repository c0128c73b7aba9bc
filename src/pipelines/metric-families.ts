// The metric families of cashtag's pipelines, registered on the thread that imports this module
// (runtime/metrics.ts): the analytics actors' and lake compaction's. Import it before creating the
// process's metrics; worker threads then import the same modules before creating theirs.
import '../actors/metrics.js';
import './compaction-metrics.js';
