export { readYamlText, type SourceDocument } from './document.js';
export { loadConfigFile, parseConfigData, parseConfigText, toProblems } from './load.js';
export { describeIssue, describeValue, matching } from './messages.js';
export { ConfigError, formatPath, formatProblem, type Problem } from './problem.js';
