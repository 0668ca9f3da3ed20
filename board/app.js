// The redis-func board: plain browser JavaScript modules, no framework, no build step.
import { actFunctionsChanged, selectAct } from './act.js';
import { adminKey, saveKey, takeKeyFromUrl } from './api.js';
import { $ } from './dom.js';
import { connectFeed, feedFunctionsChanged, startFeed } from './feed.js';
import { refreshState, startFunctions } from './functions.js';

takeKeyFromUrl();
if (adminKey()) $('key-form').hidden = false;
$('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  saveKey($('key-input').value);
  $('key-input').value = '';
  $('key-note').textContent = 'Key saved for this tab.';
  connectFeed();
  void refreshState();
});

startFeed();
startFunctions({
  onPick: (name) => {
    selectAct(name);
    $('act-section').scrollIntoView({ behavior: 'smooth', block: 'start' });
  },
  onFunctions: (functions) => {
    feedFunctionsChanged(functions);
    actFunctionsChanged(functions);
  },
});
