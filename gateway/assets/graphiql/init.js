// Starts GraphiQL on /graphiql. Its own file, not an inline script, so the page's CSP
// can allow scripts from 'self' only.
(function () {
  'use strict';

  // GraphiQL 4 reads the headers editor with plain JSON.parse, which refuses comments, so
  // the commented Authorization hint below would fail every query until deleted. When
  // (and only when) JSON.parse fails, this parses the text again without its comments and
  // trailing commas: valid JSON parses as before, and a text that is not JSON even
  // without comments throws the original error.
  var parseJson = JSON.parse;
  JSON.parse = function (text, reviver) {
    try {
      return parseJson(text, reviver);
    } catch (error) {
      if (typeof text !== 'string' || !/\/[/*]/.test(text)) throw error;
      try {
        return parseJson(withoutComments(text), reviver);
      } catch (_) {
        throw error;
      }
    }
  };

  // Drops // and /* */ comments, then commas before } or ], outside strings.
  function withoutComments(text) {
    return eachOutsideStrings(eachOutsideStrings(text, dropComment), dropTrailingComma);
  }

  function dropComment(text, i) {
    if (text[i] === '/' && text[i + 1] === '/') {
      var eol = text.indexOf('\n', i);
      return eol < 0 ? text.length : eol;
    }
    if (text[i] === '/' && text[i + 1] === '*') {
      var close = text.indexOf('*/', i + 2);
      return close < 0 ? text.length : close + 2;
    }
    return i;
  }

  function dropTrailingComma(text, i) {
    return text[i] === ',' && /^\s*[}\]]/.test(text.slice(i + 1)) ? i + 1 : i;
  }

  // Copies `text`, letting `skip(text, i)` jump over what it drops at i (it returns i to
  // keep the character); strings are copied as they are.
  function eachOutsideStrings(text, skip) {
    var out = '';
    var i = 0;
    while (i < text.length) {
      if (text[i] === '"') {
        var end = i + 1;
        while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
        out += text.slice(i, end + 1);
        i = end + 1;
        continue;
      }
      var next = skip(text, i);
      if (next === i) {
        out += text[i];
        i++;
      } else {
        i = next;
      }
    }
    return out;
  }

  var container = document.getElementById('graphiql');
  // Styles set from script (CSSOM) are not inline styles to the CSP.
  document.body.style.margin = '0';
  container.style.height = '100vh';
  container.textContent = '';

  var defaultHeaders = [
    '{',
    '  // "Authorization": "Bearer <token from logIn>"',
    '}',
  ].join('\n');

  var defaultQuery = [
    '# The partner dashboard\'s GraphQL API. Open the docs (the book icon, top left) for',
    '# every query and mutation. Queries that need a session take the token of logIn in',
    '# the Authorization header (Headers, below).',
    '{',
    '  me {',
    '    email',
    '  }',
    '}',
    '',
  ].join('\n');

  ReactDOM.createRoot(container).render(
    React.createElement(GraphiQL, {
      fetcher: GraphiQL.createFetcher({ url: container.dataset.endpoint }),
      defaultQuery: defaultQuery,
      defaultHeaders: defaultHeaders,
      // Open the Headers tab on first visit, so the Authorization hint is in sight.
      defaultEditorToolsVisibility: 'headers',
      // Tokens stay out of localStorage.
      shouldPersistHeaders: false,
    }),
  );
})();
