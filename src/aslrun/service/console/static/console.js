/* aslrun console: the execution page kept up to date, the start form, the action buttons.
   Plain script, no framework, nothing fetched from elsewhere. Data is put in the page as text
   (never as HTML), except the drawing, which the server renders and escapes. */
(function () {
  'use strict';
  var token = (document.querySelector('meta[name="console-token"]') || {}).content || '';
  var POLL_MS = 1000;
  var MAX_TEXT = 20000;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) { return; }
      if (key === 'text') { node.textContent = String(value); }
      else if (key.slice(0, 2) === 'on') { node.addEventListener(key.slice(2), value); }
      else { node.setAttribute(key, value === true ? '' : String(value)); }
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) { return; }
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  }
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } return node; }
  function pretty(value) {
    var text = value === undefined ? '' : JSON.stringify(value, null, 2);
    return text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) + '\n\u2026 (' + (text.length - MAX_TEXT) + ' more characters)' : text;
  }
  function duration(seconds) {
    if (!(seconds > 0)) { return '0'; }
    // each unit is chosen after rounding to what it shows (0.9996 ms is "1 ms", not "1000 \u00b5s"),
    // as the report's durations are
    var micros = Math.round(seconds * 1e6);
    if (micros < 1000) { return (micros < 1 ? '< 1' : micros) + ' \u00b5s'; }
    var millis = Number((seconds * 1000).toPrecision(3));
    if (millis < 1000) { return millis + ' ms'; }
    if (Math.round(seconds * 1000) < 60000) { return seconds.toFixed(3) + ' s'; }
    var tenths = Math.round(seconds * 10);
    return Math.floor(tenths / 600) + ' min ' + ((tenths % 600) / 10).toFixed(1) + ' s';
  }
  function when(epoch) {
    return epoch === null || epoch === undefined ? '' : new Date(epoch * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  }
  function status(value) { return el('span', {'class': 'status ' + value, text: value}); }
  function href(page, arn) { return '/console/' + page + '?arn=' + encodeURIComponent(arn); }
  function query(params) {
    return Object.keys(params).filter(function (k) { return params[k] !== null && params[k] !== undefined && params[k] !== ''; })
      .map(function (k) { return encodeURIComponent(k) + '=' + encodeURIComponent(params[k]); }).join('&');
  }
  function getJSON(url) {
    return fetch(url, {headers: {Accept: 'application/json'}, credentials: 'same-origin'}).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) { throw new Error(body.message || ('HTTP ' + response.status)); }
        return body;
      });
    });
  }
  function act(name, body) {
    return fetch('/console/api/actions/' + name, {
      method: 'POST', credentials: 'same-origin', body: JSON.stringify(body),
      headers: {'Content-Type': 'application/json', 'X-Console-Token': token}
    }).then(function (response) {
      return response.json().then(function (answer) {
        if (!response.ok) { throw new Error(answer.error + ': ' + answer.message); }
        return answer;
      });
    });
  }
  /* JSON.parse's verdict on a text, with the line and column of the problem */
  function checkJSON(text) {
    try { JSON.parse(text); return null; } catch (error) {
      var message = String(error.message);
      var at = /position (\d+)/.exec(message);
      if (at && !/line \d+/.test(message)) {  /* older browsers give only the offset */
        var before = text.slice(0, Number(at[1])).split('\n');
        message += ' (line ' + before.length + ', column ' + (before[before.length - 1].length + 1) + ')';
      }
      return message;
    }
  }
  function pager(view, go) {
    if (view.pages <= 1) { return el('span'); }
    return el('p', {'class': 'pager'}, [
      view.page > 1 ? el('a', {href: '#', onclick: function (e) { e.preventDefault(); go(view.page - 1); }, text: '\u2039 previous'}) : null,
      ' page ' + view.page + ' of ' + view.pages + ' ',
      view.page < view.pages ? el('a', {href: '#', onclick: function (e) { e.preventDefault(); go(view.page + 1); }, text: 'next \u203a'}) : null
    ]);
  }
  function table(headers, rows, attrs) {
    return el('table', attrs || {'class': 'list'}, [
      el('thead', {}, [el('tr', {}, headers.map(function (h) { return el('th', {text: h}); }))]),
      el('tbody', {}, rows)
    ]);
  }
  function card(title, value, kind) {
    return el('div', {'class': 'card' + (kind ? ' ' + kind : '')}, [el('h3', {text: title}), el('pre', {text: value})]);
  }

  /* -- the start form of a state machine's page ------------------------------------------------ */
  function startForm(form) {
    var input = form.querySelector('textarea[name="input"]');
    var check = document.getElementById('input-check');
    var button = document.getElementById('start-button');
    var failure = document.getElementById('start-error');
    function validate() {
      var problem = checkJSON(input.value);
      check.textContent = problem ? 'not JSON: ' + problem : 'valid JSON';
      check.className = 'input-check' + (problem ? ' bad' : '');
      button.disabled = !!problem;
      return !problem;
    }
    input.addEventListener('input', validate);
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      if (!validate()) { return; }
      button.disabled = true;
      failure.textContent = '';
      act('start', {stateMachineArn: form.elements.target.value, name: form.elements.name.value, input: input.value})
        .then(function (answer) { location.href = href('execution', answer.executionArn); })
        .catch(function (error) { failure.textContent = error.message; button.disabled = false; });
    });
    validate();
  }

  /* -- the execution page ------------------------------------------------------------------------ */
  function ExecutionPage(root, arn) {
    this.root = root;
    this.arn = arn;
    this.version = -1;
    this.data = null;
    this.runs = {page: 1, state: null, within: null, iteration: null};
    this.eventsPage = 1;
    this.selected = null;
    this.iterations = null;
    this.timer = null;
    this.asked = {};
    this.build();
    this.refresh();
  }
  ExecutionPage.prototype.build = function () {
    var self = this;
    clear(this.root);
    this.parts = {
      title: el('h1', {id: 'title'}), facts: el('p', {'class': 'facts', id: 'facts'}),
      actions: el('div', {'class': 'actions', id: 'actions'}), message: el('p', {'class': 'form-error', id: 'action-message'}),
      waiting: el('section', {'class': 'panel waiting', id: 'waiting', hidden: true}),
      cards: el('div', {'class': 'cards', id: 'cards'}),
      drawing: el('div', {'class': 'graph', id: 'drawing'}), running: el('p', {'class': 'running-now', id: 'running'}),
      runsNote: el('span', {id: 'runs-note', 'class': 'note'}), runs: el('div', {id: 'runs'}),
      detail: el('section', {'class': 'panel detail', id: 'run-detail', hidden: true}),
      iterations: el('section', {'class': 'panel', id: 'iterations', hidden: true}),
      timings: el('div', {id: 'timings'}), children: el('section', {'class': 'panel', id: 'children', hidden: true}),
      events: el('div', {id: 'events'})
    };
    var legend = document.getElementById('legend');
    var p = this.parts;
    [p.title, p.facts, p.actions, p.message, p.waiting, p.cards,
     el('section', {'class': 'panel'}, [el('h2', {text: 'Graph'}), p.drawing,
       el('p', {'class': 'legend'}), p.running]),
     el('section', {'class': 'panel'}, [el('h2', {}, ['State runs ', p.runsNote]), p.runs]),
     p.detail, p.iterations,
     el('section', {'class': 'panel'}, [el('h2', {text: 'Time per state'}), p.timings]),
     p.children,
     el('section', {'class': 'panel'}, [el('h2', {text: 'History'}), p.events])
    ].forEach(function (node) { self.root.appendChild(node); });
    if (legend) { this.root.querySelector('.legend').innerHTML = legend.innerHTML; }
    p.drawing.addEventListener('click', function (event) {
      var node = event.target.closest ? event.target.closest('g.state') : null;
      if (!node) { return; }
      self.runs = {page: 1, state: node.getAttribute('data-state'), within: null, iteration: null};
      self.loadRuns();
    });
  };
  /* The answer to the latest request of a kind, never an older one: the page asks again each time
     the execution grows, and an answer that arrived after the one to a later request (the last
     poll before the execution ended, say) put back what that one had shown, for good once the
     execution had ended. An older answer never settles, so nothing shows it. */
  ExecutionPage.prototype.latest = function (kind, promise) {
    var self = this, ticket = (this.asked[kind] = (this.asked[kind] || 0) + 1);
    return promise.then(function (answer) {
      return self.asked[kind] === ticket ? answer : new Promise(function () {});
    });
  };
  ExecutionPage.prototype.refresh = function () {
    var self = this;
    clearTimeout(this.timer);
    return getJSON('/console/api/execution?' + query({arn: this.arn, since: this.version})).then(function (data) {
      var grew = data.version !== self.version;
      self.data = data;
      self.version = data.version;
      self.show(data);
      if (grew) {
        self.loadRuns(); self.loadEvents();
        if (self.selected !== null) { self.loadRun(self.selected, true); }
        if (self.iterations !== null) { self.loadIterations(self.iterations.id, self.iterations.page, self.iterations.status); }
      }
      document.body.setAttribute('data-status', data.status);
      document.body.setAttribute('data-version', String(data.version));
      if (data.status === 'RUNNING') { self.timer = setTimeout(function () { self.refresh(); }, POLL_MS); }
    }).catch(function (error) {
      self.parts.message.textContent = 'Could not read the execution: ' + error.message;
      self.timer = setTimeout(function () { self.refresh(); }, POLL_MS * 3);
    });
  };
  ExecutionPage.prototype.show = function (d) {
    var self = this, p = this.parts;
    clear(p.title).appendChild(document.createTextNode(d.name + ' '));
    p.title.appendChild(el('span', {'class': 'status ' + d.status, id: 'status', text: d.status}));
    var took = d.stop !== null ? d.stop - d.start : null;
    clear(p.facts);
    [el('span', {}, ['machine ', el('a', {href: href('machine', d.machineArn), text: d.machine})]),
     d.parent ? el('span', {}, [d.mapRunArn ? 'child of Map Run of ' : 'started by ',
       el('a', {href: href('execution', d.parent.arn), id: 'parent-link', text: d.parent.name})]) : null,
     el('span', {text: 'started ' + when(d.start)}), d.stop !== null ? el('span', {text: 'took ' + duration(took)}) : null,
     el('span', {text: d.stateRuns.toLocaleString() + ' state runs'}), el('span', {text: d.events.toLocaleString() + ' events'}),
     d.redriveCount ? el('span', {text: 'redriven ' + d.redriveCount + '\u00d7'}) : null,
     el('span', {}, [el('code', {text: d.arn})])
    ].forEach(function (n) { if (n) { p.facts.appendChild(n); } });
    clear(p.actions);
    if (d.stoppable) {
      p.actions.appendChild(el('button', {id: 'stop-button', 'class': 'danger', text: 'Stop execution',
        onclick: function () { self.action('stop', {executionArn: self.arn, error: 'aslrun.Console', cause: 'Stopped from the aslrun console'}); }}));
    }
    if (d.redrivable) {
      p.actions.appendChild(el('button', {id: 'redrive-button', text: 'Redrive',
        onclick: function () { self.action('redrive', {executionArn: self.arn}); }}));
    }
    this.showWaiting(d.waiting);
    clear(p.cards).appendChild(card('Input', pretty(d.input)));
    if (d.status === 'SUCCEEDED') { p.cards.appendChild(card('Output', pretty(d.output))); }
    else if (d.error !== null || d.cause !== null) {
      p.cards.appendChild(el('div', {'class': 'card error', id: 'execution-error'}, [
        el('h3', {text: 'Error'}), el('pre', {text: d.error || ''}), el('h3', {text: 'Cause'}), el('pre', {text: d.cause || ''})]));
    }
    if (d.drawing !== undefined) { p.drawing.innerHTML = d.drawing; }
    Array.prototype.forEach.call(p.drawing.querySelectorAll('g.state'), function (node) {
      node.classList.toggle('running', d.running.indexOf(node.getAttribute('data-state')) >= 0);
      node.classList.toggle('selected', node.getAttribute('data-state') === self.runs.state);
    });
    clear(p.running);
    if (d.running.length) { p.running.appendChild(document.createTextNode('Running now: ' + d.running.join(', '))); }
    clear(p.timings).appendChild(table(['State', 'Type', 'Runs', 'Calls', 'Total', 'Longest'], d.timings.map(function (t) {
      return el('tr', {}, [el('td', {text: t.state}), el('td', {text: t.type}), el('td', {'class': 'num', text: t.runs}),
        el('td', {'class': 'num', text: t.calls}), el('td', {'class': 'num', text: duration(t.total)}),
        el('td', {'class': 'num', text: duration(t.longest)})]);
    }), {'class': 'list', id: 'timings-table'}));
    this.showChildren(d);
  };
  ExecutionPage.prototype.showWaiting = function (waiting) {
    var self = this, p = this.parts.waiting;
    var open = waiting.map(function (w) { return w.token; }).join(' ');
    if (p.getAttribute('data-tokens') === open) { return; }  /* keep what is being typed */
    p.setAttribute('data-tokens', open);
    clear(p).hidden = !waiting.length;
    if (!waiting.length) { return; }
    p.appendChild(el('h2', {text: 'Waiting for a callback'}));
    waiting.forEach(function (w) {
      var output = el('textarea', {rows: 4, spellcheck: 'false', 'class': 'callback-output'}, []);
      output.value = '{}';
      var error = el('input', {'class': 'callback-error', placeholder: 'error', value: 'aslrun.Console'});
      var cause = el('input', {'class': 'callback-cause', placeholder: 'cause', size: 40});
      var note = el('span', {'class': 'input-check'});
      output.addEventListener('input', function () {
        var problem = checkJSON(output.value);
        note.textContent = problem ? 'not JSON: ' + problem : '';
        note.className = 'input-check' + (problem ? ' bad' : '');
      });
      p.appendChild(el('div', {'class': 'callback', 'data-state': w.state}, [
        el('p', {}, [el('b', {text: w.state}), ' ', el('span', {'class': 'note', text: w.resource}), ' ',
          el('code', {'class': 'token', title: w.token, text: w.token.slice(0, 24) + '\u2026'})]),
        el('label', {'class': 'block'}, ['Output (JSON)', output]), note,
        el('p', {}, [el('button', {'class': 'send-success', text: 'Send task success', onclick: function () {
          var problem = checkJSON(output.value);
          if (problem) { note.textContent = 'not JSON: ' + problem; return; }
          self.action('callback', {executionArn: self.arn, taskToken: w.token, outcome: 'success', output: output.value});
        }}), ' or ', error, ' ', cause, ' ', el('button', {'class': 'send-failure danger', text: 'Send task failure', onclick: function () {
          self.action('callback', {executionArn: self.arn, taskToken: w.token, outcome: 'failure', error: error.value, cause: cause.value});
        }})])
      ]));
    });
  };
  ExecutionPage.prototype.showChildren = function (d) {
    var self = this, p = this.parts.children;
    clear(p).hidden = !(d.children.length || d.mapRuns.length);
    if (p.hidden) { return; }
    p.appendChild(el('h2', {text: 'Child executions'}));
    if (d.children.length) {
      p.appendChild(table(['Name', 'Machine', 'Status', 'Started'], d.children.map(function (c) {
        return el('tr', {}, [el('td', {}, [el('a', {href: href('execution', c.arn), 'class': 'child-link', text: c.name})]),
          el('td', {text: c.machine}), el('td', {}, [status(c.status)]), el('td', {text: when(c.start)})]);
      })));
    }
    d.mapRuns.forEach(function (run) {
      var counts = Object.keys(run.counts).map(function (k) { return run.counts[k] + ' ' + k.toLowerCase(); }).join(', ');
      var list = el('div', {'class': 'map-run-children'});
      p.appendChild(el('div', {'class': 'map-run'}, [
        el('p', {}, [el('b', {text: 'Map Run of ' + run.state + ' '}), status(run.status), ' ' + counts + ' ',
          el('a', {href: '#', 'class': 'show-map-run', text: 'list its executions', onclick: function (e) {
            e.preventDefault(); self.loadMapRun(run.arn, 1, list); }})]), list]));
    });
  };
  ExecutionPage.prototype.loadMapRun = function (arn, page, list) {
    var self = this;
    getJSON('/console/api/map-run/executions?' + query({arn: arn, page: page})).then(function (view) {
      clear(list).appendChild(table(['Name', 'Status', 'Started', 'Ended'], view.executions.map(function (c) {
        return el('tr', {}, [el('td', {}, [el('a', {href: href('execution', c.arn), 'class': 'child-link', text: c.name})]),
          el('td', {}, [status(c.status)]), el('td', {text: when(c.start)}), el('td', {text: when(c.stop)})]);
      })));
      list.appendChild(pager(view, function (n) { self.loadMapRun(arn, n, list); }));
    });
  };
  ExecutionPage.prototype.loadRuns = function () {
    var self = this, r = this.runs;
    var params = {arn: this.arn, page: r.page, state: r.state, within: r.within, iteration: r.iteration};
    this.latest('runs', getJSON('/console/api/execution/runs?' + query(params))).then(function (view) {
      var note = self.parts.runsNote;
      clear(note).appendChild(document.createTextNode('(' + view.total.toLocaleString() + ')'));
      if (r.state || r.within !== null) {
        note.appendChild(document.createTextNode(r.state ? ' only ' + r.state + ' \u00b7 ' : ' one iteration \u00b7 '));
        note.appendChild(el('a', {href: '#', text: 'show all', onclick: function (e) {
          e.preventDefault(); self.runs = {page: 1, state: null, within: null, iteration: null}; self.loadRuns(); }}));
      }
      Array.prototype.forEach.call(self.parts.drawing.querySelectorAll('g.state'), function (node) {
        node.classList.toggle('selected', node.getAttribute('data-state') === r.state);
      });
      var rows = view.runs.map(function (run) {
        return el('tr', {'class': run.status + (run.id === self.selected ? ' chosen' : ''), 'data-id': run.id, 'data-state': run.name,
          onclick: function () { self.loadRun(run.id); }}, [
          el('td', {'class': 'num', text: run.n}), el('td', {style: 'padding-left:' + (8 + 16 * run.depth) + 'px'}, [
            run.name, run.depth ? el('div', {'class': 'where', text: run.where}) : null]),
          el('td', {text: run.type}), el('td', {'class': 'st', text: run.status.toLowerCase()}),
          el('td', {'class': 'num', text: '+' + run.start.toFixed(3)}), el('td', {'class': 'num', text: duration(run.took)}),
          el('td', {'class': 'num', text: run.attempts || ''}), el('td', {'class': 'err', text: run.error || ''})]);
      });
      clear(self.parts.runs).appendChild(table(['#', 'State', 'Type', 'Status', 'Start (s)', 'Took', 'Calls', 'Error'], rows,
        {'class': 'list runs', id: 'runs-table'}));
      self.parts.runs.appendChild(pager(view, function (n) { self.runs.page = n; self.loadRuns(); }));
    });
  };
  ExecutionPage.prototype.loadRun = function (id, quiet) {
    var self = this, p = this.parts.detail;
    this.selected = id;
    Array.prototype.forEach.call(document.querySelectorAll('#runs-table tbody tr'), function (row) {
      row.classList.toggle('chosen', Number(row.getAttribute('data-id')) === id);
    });
    this.latest('run', getJSON('/console/api/execution/run?' + query({arn: this.arn, id: id}))).then(function (run) {
      clear(p).hidden = false;
      p.setAttribute('data-id', String(run.id));
      p.appendChild(el('h2', {}, ['State run: ' + run.where + ' ', status(run.status),
        el('a', {href: '#', 'class': 'close', text: 'close', onclick: function (e) { e.preventDefault(); self.selected = null; p.hidden = true; }})]));
      p.appendChild(el('p', {'class': 'facts'}, [el('span', {text: run.type}), el('span', {text: 'took ' + duration(run.took)}),
        run.attempts ? el('span', {text: run.attempts + ' call(s)'}) : null]));
      var cards = el('div', {'class': 'cards'}, [card('Input', pretty(run.input))]);
      if (run.error !== null && run.error !== undefined) {
        cards.appendChild(el('div', {'class': 'card error', id: 'run-error'}, [el('h3', {text: 'Error'}),
          el('pre', {text: run.error}), el('h3', {text: 'Cause'}), el('pre', {text: run.cause || ''})]));
      }
      if (run.exited) { cards.appendChild(card('Output', pretty(run.output))); }
      if (run.parameters !== null && run.parameters !== undefined) { cards.appendChild(card('Sent to its resource', pretty(run.parameters))); }
      p.appendChild(cards);
      p.appendChild(el('h3', {text: 'Data flow'}));
      if (run.stages === null) {
        p.appendChild(el('p', {'class': 'note', text: 'Not recorded: this server did not run this state (it was restarted since), or it ran too long ago.'}));
      } else {
        var names = Object.keys(run.stages);
        p.appendChild(names.length ? el('div', {'class': 'stages', id: 'stages'}, names.map(function (name) {
          return el('div', {'class': 'stage', 'data-stage': name}, [el('h4', {text: name}), el('pre', {text: pretty(run.stages[name])})]);
        })) : el('p', {'class': 'note', text: 'No stage recorded yet.'}));
      }
      if (run.iterations) {
        p.appendChild(el('p', {}, [el('a', {href: '#', id: 'show-iterations', text: 'its ' + run.iterations.toLocaleString() +
          (run.type === 'Map' ? ' iterations' : ' branches'), onclick: function (e) { e.preventDefault(); self.loadIterations(run.id, 1, ''); }})]));
      }
      p.appendChild(el('h3', {text: 'Events'}));
      p.appendChild(table(['Id', 'Type', 'Time (s)', 'Details'], run.events.map(function (e) {
        return el('tr', {}, [el('td', {'class': 'num', text: e.id}), el('td', {text: e.type}),
          el('td', {'class': 'num', text: '+' + e.t.toFixed(3)}), el('td', {}, [el('code', {text: e.details})])]);
      })));
      if (!quiet) { p.scrollIntoView({block: 'nearest'}); }
    });
  };
  ExecutionPage.prototype.loadIterations = function (id, page, filter) {
    var self = this, p = this.parts.iterations;
    this.iterations = {id: id, page: page, status: filter};
    this.latest('iterations', getJSON('/console/api/execution/iterations?' +
      query({arn: this.arn, id: id, page: page, status: filter}))).then(function (view) {
      clear(p).hidden = false;
      var select = el('select', {id: 'iteration-filter', onchange: function () { self.loadIterations(id, 1, select.value); }},
        ['', 'RUNNING', 'SUCCEEDED', 'FAILED', 'ABORTED'].map(function (s) {
          return el('option', {value: s, selected: s === filter, text: s ? s.toLowerCase() : 'any status'}); }));
      var counts = Object.keys(view.counts).map(function (k) { return view.counts[k].toLocaleString() + ' ' + k.toLowerCase(); }).join(', ');
      p.appendChild(el('h2', {}, [(view.type === 'Map' ? 'Iterations of ' : 'Branches of ') + view.state + ' ',
        el('span', {'class': 'note', text: counts}), ' ', select]));
      p.appendChild(table(['#', 'Status', 'States run', 'Took', 'Last state', 'Error', ''], view.iterations.map(function (it) {
        return el('tr', {'class': it.status, 'data-index': it.index}, [el('td', {'class': 'num', text: it.index}),
          el('td', {'class': 'st', text: it.status.toLowerCase()}), el('td', {'class': 'num', text: it.states}),
          el('td', {'class': 'num', text: duration(it.took)}), el('td', {text: it.current || ''}), el('td', {'class': 'err', text: it.error || ''}),
          el('td', {}, [el('a', {href: '#', text: 'its runs', onclick: function (e) {
            e.preventDefault(); self.runs = {page: 1, state: null, within: id, iteration: it.index}; self.loadRuns();
            self.parts.runs.scrollIntoView({block: 'start'}); }})])]);
      }), {'class': 'list', id: 'iterations-table'}));
      p.appendChild(pager(view, function (n) { self.loadIterations(id, n, filter); }));
    });
  };
  ExecutionPage.prototype.loadEvents = function () {
    var self = this;
    this.latest('events', getJSON('/console/api/execution/events?' + query({arn: this.arn, page: this.eventsPage}))).then(function (view) {
      clear(self.parts.events).appendChild(table(['Id', 'Previous', 'Type', 'Time (s)', 'Details'], view.events.map(function (e) {
        return el('tr', {}, [el('td', {'class': 'num', text: e.id}), el('td', {'class': 'num', text: e.previous}),
          el('td', {text: e.type}), el('td', {'class': 'num', text: '+' + e.t.toFixed(3)}), el('td', {}, [el('code', {text: e.details})])]);
      }), {'class': 'list', id: 'events-table'}));
      self.parts.events.appendChild(el('p', {'class': 'note', text: view.total.toLocaleString() + ' events'}));
      self.parts.events.appendChild(pager(view, function (n) { self.eventsPage = n; self.loadEvents(); }));
    });
  };
  ExecutionPage.prototype.action = function (name, body) {
    var self = this;
    var buttons = this.root.querySelectorAll('button');
    Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
    this.parts.message.textContent = '';
    return act(name, body).then(function () {
      self.parts.waiting.removeAttribute('data-tokens');
      self.version = -1;
      return self.refresh();
    }).catch(function (error) {
      self.parts.message.textContent = error.message;
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
    });
  };

  var page = document.body.getAttribute('data-page');
  if (page === 'machine' && document.getElementById('start-form')) { startForm(document.getElementById('start-form')); }
  if (page === 'execution') { window.consolePage = new ExecutionPage(document.getElementById('execution'), document.body.getAttribute('data-arn')); }
  if (page !== 'execution') { document.body.setAttribute('data-ready', '1'); }
})();
