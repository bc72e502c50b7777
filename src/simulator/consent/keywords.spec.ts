import { consentKeyword } from './keywords';

describe('consentKeyword', () => {
  it.each([
    ['STOP', 'STOP'],
    ['stop', 'STOP'],
    ['  Stop!  ', 'STOP'],
    ['s.t.o.p', 'STOP'],
    ['StopAll', 'STOPALL'],
    ['unsubscribe.', 'UNSUBSCRIBE'],
    ['Cancel', 'CANCEL'],
    ['end', 'END'],
    ['QUIT?!', 'QUIT'],
    ['\tstop\n', 'STOP'],
  ])('reads %j as the opt-out keyword %s', (text, keyword) => {
    expect(consentKeyword(text)).toEqual({ action: 'optOut', keyword });
  });

  it.each([
    ['START', 'START'],
    ['unstop', 'UNSTOP'],
    ['Yes!', 'YES'],
  ])('reads %j as the opt-in keyword %s', (text, keyword) => {
    expect(consentKeyword(text)).toEqual({ action: 'optIn', keyword });
  });

  it.each(['stop it', 'STOP ALL', 'please stop', 'STOPP', 'HELP', 'yes please', '', '   ', 'stöp'])(
    'reads %j as an ordinary message',
    (text) => {
      expect(consentKeyword(text)).toBeNull();
    },
  );
});
