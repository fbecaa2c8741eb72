-- 0002: the leads register (docs/design.md section 1): leads with their aliases, notes, flags and full
-- history, reviews with their votes, and full-text indexes kept in step by triggers, so nothing that
-- writes a lead (commands, checklists, imports, a manual fix in the sqlite shell) can leave search stale.

CREATE TABLE leads (
    id                  INTEGER PRIMARY KEY,
    guild_id            INTEGER NOT NULL,
    partner             TEXT NOT NULL,
    -- The partner name as dedup compares it (bot/services/leads/dedup.py): folded, no legal suffix.
    partner_norm        TEXT NOT NULL,
    direction           TEXT NOT NULL CHECK (direction IN ('external', 'internal')),
    level               TEXT NOT NULL CHECK (level IN ('global', 'regional', 'national', 'local')),
    sector              TEXT,
    tier                TEXT CHECK (tier IS NULL OR tier IN ('contributory', 'collaborative', 'co-creative')),
    entity              TEXT,
    summary             TEXT,
    offer               TEXT,
    ask                 TEXT,
    contact             TEXT,
    link                TEXT,
    visibility          TEXT NOT NULL DEFAULT 'wg' CHECK (visibility IN ('wg', 'public')),
    status              TEXT NOT NULL DEFAULT 'logged' CHECK (status IN (
                            'logged', 'assessing', 'in_review', 'approved', 'negotiating', 'active',
                            'completed', 'vetoed', 'declined', 'paused', 'withdrawn')),
    owner_id            INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    -- Bumped by every change; the card in channels.leads is current when card_version = version.
    -- A card that still has to be posted or edited (Discord was down) is found by tick() this way.
    version             INTEGER NOT NULL DEFAULT 1,
    card_channel_id     INTEGER,
    card_message_id     INTEGER,
    card_version        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX leads_guild_status ON leads (guild_id, status, id);
CREATE INDEX leads_guild_owner ON leads (guild_id, owner_id, id);
CREATE INDEX leads_guild_norm ON leads (guild_id, partner_norm);
CREATE INDEX leads_guild_created ON leads (guild_id, created_at);
CREATE INDEX leads_guild_updated ON leads (guild_id, updated_at);
CREATE INDEX leads_guild_entity ON leads (guild_id, entity) WHERE entity IS NOT NULL;
CREATE INDEX leads_card_pending ON leads (guild_id) WHERE card_version < version;

CREATE TABLE lead_aliases (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    lead_id     INTEGER NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    alias       TEXT NOT NULL,
    alias_norm  TEXT NOT NULL
);
CREATE INDEX lead_aliases_lead ON lead_aliases (lead_id);
CREATE INDEX lead_aliases_guild_norm ON lead_aliases (guild_id, alias_norm);

CREATE TABLE lead_notes (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    lead_id     INTEGER NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    author_id   INTEGER,
    text        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX lead_notes_lead ON lead_notes (lead_id, id);

CREATE TABLE lead_flags (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    lead_id     INTEGER NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    source      TEXT NOT NULL,
    severity    TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
    message     TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (lead_id, source, message)
);
CREATE INDEX lead_flags_guild_severity ON lead_flags (guild_id, severity, lead_id);

-- Every change to a lead, in order: the history on the card and the digest's feed.
-- kind: created | status | note | edit | assign | flag | approve | recuse.
-- from_status/to_status are set for created (to 'logged') and status moves only.
CREATE TABLE lead_events (
    id           INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    lead_id      INTEGER NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    actor_id     INTEGER,
    kind         TEXT NOT NULL,
    from_status  TEXT,
    to_status    TEXT,
    note         TEXT,
    at           INTEGER NOT NULL
);
CREATE INDEX lead_events_lead ON lead_events (lead_id, id);
CREATE INDEX lead_events_guild_at ON lead_events (guild_id, at);

-- One row each time a lead enters in_review. The terms (quorum, earliest close) are fixed when the
-- review opens, so a config change never decides a review already under way.
CREATE TABLE lead_reviews (
    id               INTEGER PRIMARY KEY,
    guild_id         INTEGER NOT NULL,
    lead_id          INTEGER NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    quorum           INTEGER NOT NULL,
    opened_at        INTEGER NOT NULL,
    closes_at        INTEGER NOT NULL,
    closed_at        INTEGER,
    outcome          TEXT CHECK (outcome IS NULL OR outcome IN ('approved', 'vetoed', 'ended')),
    version          INTEGER NOT NULL DEFAULT 1,
    card_channel_id  INTEGER,
    card_message_id  INTEGER,
    card_version     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX lead_reviews_lead ON lead_reviews (lead_id, id);
CREATE INDEX lead_reviews_open ON lead_reviews (guild_id, closes_at) WHERE closed_at IS NULL;
CREATE INDEX lead_reviews_card_pending ON lead_reviews (guild_id) WHERE card_version < version;

-- A reviewer's current position on one review: approve, veto (with rationale) or recuse.
CREATE TABLE review_votes (
    review_id    INTEGER NOT NULL REFERENCES lead_reviews (id) ON DELETE CASCADE,
    guild_id     INTEGER NOT NULL,
    reviewer_id  INTEGER NOT NULL,
    vote         TEXT NOT NULL CHECK (vote IN ('approve', 'veto', 'recuse')),
    rationale    TEXT,
    at           INTEGER NOT NULL,
    PRIMARY KEY (review_id, reviewer_id)
);

-- Bumped (by the triggers below) whenever a guild's partner names or aliases change, so the
-- in-memory name index used for dedup knows when it is stale without rereading every name.
CREATE TABLE lead_name_state (
    guild_id  INTEGER PRIMARY KEY,
    version   INTEGER NOT NULL
);

-- Word search: unicode61 splits on spaces and punctuation and folds Latin accents only (its
-- remove_diacritics table is Latin); tokenchars keeps the combining marks of other scripts (Devanagari
-- vowel signs and virama, Arabic harakat, Hebrew points, Thai...) inside their words instead of
-- treating them as separators. The list is every non-Latin combining mark of Unicode 14's BMP plus
-- ZWNJ/ZWJ. rowid = leads.id.
CREATE VIRTUAL TABLE leads_fts USING fts5 (
    partner, aliases, summary, offer, ask, notes,
    tokenize = "unicode61 remove_diacritics 2 tokenchars '҃҄҅҆҇҈҉ְֱֲֳִֵֶַָׇֹֺֻּֽֿׁׂًٌٍؘَؙُؚِّْٰܑ֑֖֛֢֣֤֥֦֧֪ׅٕٖٜٟۣ۪ۭܱܴܷܸܹܻܼܾ݂݄݆݈֚֭֮֒֓֔֕֗֘֙֜֝֞֟֠֡֨֩֫֬֯ׄؐؑؒؓؔؕؖؗٓٔٗ٘ٙٚٛٝٞۖۗۘۙۚۛۜ۟۠ۡۢۤۧۨ۫۬ܰܲܳܵܶܺܽܿ݀݁݃݅݇݉݊ަާިީުޫެޭޮޯްࣰࣱࣲ߲߽࡙࡚࡛࢙࢚࢛࣏࣐࣑࣒࣓ࣣࣦࣩ࣭࣮࣯ࣶࣹࣺ߫߬߭߮߯߰߱߳ࠖࠗ࠘࠙ࠛࠜࠝࠞࠟࠠࠡࠢࠣࠥࠦࠧࠩࠪࠫࠬ࠭࢘࢜࢝࢞࢟࣊࣋࣌࣍࣎ࣔࣕࣖࣗࣘࣙࣚࣛࣜࣝࣞࣟ࣠࣡ࣤࣥࣧࣨ࣪࣫࣬ࣳࣴࣵࣷࣸࣻࣼࣽࣾࣿऀँंःऺऻ़ािीुूृॄॅॆेैॉॊोौ्ॎॏ॒॑॓॔ॕॖॗॢॣঁংঃ়ািীুূৃৄেৈোৌ্ৗৢৣ৾ਁਂਃ਼ਾਿੀੁੂੇੈੋੌ੍ੑੰੱੵઁંઃ઼ાિીુૂૃૄૅેૈૉોૌ્ૢૣૺૻૼ૽૾૿ଁଂଃ଼ାିୀୁୂୃୄେୈୋୌ୍୕ୖୗୢୣஂாிீுூெேைொோௌ்ௗఀఁంఃఄ఼ాిీుూృౄెేైొోౌ్ౕౖౢౣಁಂಃ಼ಾಿೀುೂೃೄೆೇೈೊೋೌ್ೕೖೢೣഀഁംഃ഻഼ാിീുൂൃൄെേൈൊോൌ്ൗൢൣඁංඃ්ාැෑිීුූෘෙේෛොෝෞෟෲෳัิีึืฺุู็่้๊๋์ํ๎ັິີຶື຺ຸູົຼ່້໊໋໌ໍ༹༘༙༵༷༾༿ཱཱཱིིུུྲྀཷླྀཹེཻོཽཾཿ྄ཱྀྀྂྃ྆྇ྍྎྏྐྑྒྒྷྔྕྖྗྙྚྛྜྜྷྞྟྠྡྡྷྣྤྥྦྦྷྨྩྪྫྫྷྭྮྯྰྱྲླྴྵྶྷྸྐྵྺྻྼ࿆ါာိီုူေဲဳဴဵံ့း္်ျြွှၖၗၘၙၞၟၠၢၣၤၧၨၩၪၫၬၭၱၲၳၴႂႃႄႅႆႇႈႉႊႋႌႍႏႚႛႜႝ፝፞፟ᜒᜓ᜔᜕ᜲᜳ᜴ᝒᝓᝲᝳ឴឵ាិីឹឺុូួើឿៀេែៃោៅំះៈ៉៊់៌៍៎៏័៑្៓៝᠋᠌᠍᠏ᢅᢆᢩᤠᤡᤢᤣᤤᤥᤦᤧᤨᤩᤪᤫᤰᤱᤲᤳᤴᤵᤶᤷᤸ᤻ᨘ᤹᤺ᨗᨙᨚᨛᩕᩖᩗᩘᩙᩚᩛᩜᩝᩞ᩠ᩡᩢᩣᩤᩥᩦᩧᩨᩩᩪᩫᩬᩭᩮᩯᩰᩱᩲᩳᩴ᩿᩵᩶᩷᩸᩹᩺᩻᩼ᬀᬁᬂᬃᬄ᬴ᬵᬶᬷᬸᬹᬺᬻᬼᬽᬾᬿᭀᭁᭂᭃ᭄᭬᭫᭭᭮᭯᭰᭱᭲᭳ᮀᮁᮂᮡᮢᮣᮤᮥᮦᮧᮨᮩ᮪᮫ᮬᮭ᯦ᯧᯨᯩᯪᯫᯬᯭᯮᯯᯰᯱ᯲᯳ᰤᰥᰦᰧᰨᰩᰪᰫᰬᰭᰮᰯᰰᰱᰲᰳᰴᰵᰶ᳔᰷᳕᳖᳗᳘᳙᳜᳝᳞᳟᳐᳑᳒᳚᳛᳠᳡᳢᳣᳤᳥᳦᳧᳨᳭᳴᳷゙゚⵿〪〭〮〯〫᳸᳹⳯⳰⳱ⷠⷡⷢⷣⷤⷥⷦⷧⷨⷩⷪⷫⷬⷭⷮⷯⷰⷱⷲⷳⷴⷵⷶⷷⷸⷹⷺⷻⷼⷽⷾⷿ꙯〬꙰꙱꙲ꙴꙵꙶꙷꙸꙹꙺꙻ꙼꙽ꚞꚟ꛰꛱ꠂ꠆ꠋꠣꠤꠥꠦꠧ꠬ꢀꢁꢴꢵꢶꢷꢸꢹꢺꢻꢼꢽꢾꢿꣀꣁꣂꣃ꣄ꣅ꣠꣡꣢꣣꣤꣥꣦꣧꣨꣩꣪꣫꣬꣭꣮꣯꣰꣱ꣿꤦꤧꤨꤩꤪ꤫꤬꤭ꥇꥈꥉꥊꥋꥌꥍꥎꥏꥐꥑꥒ꥓ꦀꦁꦂꦃ꦳ꦴꦵꦶꦷꦸꦹꦺꦻꦼꦽꦾꦿ꧀ꧥꨩꨪꨫꨬꨭꨮꨯꨰꨱꨲꨳꨴꨵꨶꩃꩌꩍꩻꩼꩽꪴꪰꪲꪳꪷꪸꪾ꪿꫁ꫫꫬꫭꫮꫯꫵ꫶ꯣꯤꯥꯦꯧꯨꯩꯪ꯬꯭ﬞ︀︁︂︃︄︅︆︇︈︉︊︋︌︍︎️‌‍'"
);

-- Substring search for scripts written without spaces (Chinese, Japanese, Thai...) and partial words:
-- every three characters are a term, in any script. rowid = leads.id.
CREATE VIRTUAL TABLE leads_fts_tri USING fts5 (
    partner, aliases, summary, offer, ask, notes,
    tokenize = "trigram"
);

-- Each trigger below writes the same row into leads_fts and then into leads_fts_tri. It stays written out
-- twice: SQLite keeps every trigger's text in the schema, so a shorter form here would give new databases
-- another schema than the ones this migration already built (and triggers cannot be put on the virtual
-- tables to copy one into the other). A change belongs in a new migration that drops and recreates them.
CREATE TRIGGER leads_ai AFTER INSERT ON leads BEGIN
    INSERT INTO leads_fts (rowid, partner, aliases, summary, offer, ask, notes)
    VALUES (NEW.id, NEW.partner, '', coalesce(NEW.summary, ''), coalesce(NEW.offer, ''),
            coalesce(NEW.ask, ''), '');
    INSERT INTO leads_fts_tri (rowid, partner, aliases, summary, offer, ask, notes)
    VALUES (NEW.id, NEW.partner, '', coalesce(NEW.summary, ''), coalesce(NEW.offer, ''),
            coalesce(NEW.ask, ''), '');
    INSERT INTO lead_name_state (guild_id, version) VALUES (NEW.guild_id, 1)
    ON CONFLICT (guild_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER leads_au_text AFTER UPDATE OF partner, summary, offer, ask ON leads BEGIN
    UPDATE leads_fts SET partner = NEW.partner, summary = coalesce(NEW.summary, ''),
        offer = coalesce(NEW.offer, ''), ask = coalesce(NEW.ask, '')
    WHERE rowid = NEW.id;
    UPDATE leads_fts_tri SET partner = NEW.partner, summary = coalesce(NEW.summary, ''),
        offer = coalesce(NEW.offer, ''), ask = coalesce(NEW.ask, '')
    WHERE rowid = NEW.id;
END;

CREATE TRIGGER leads_au_name AFTER UPDATE OF partner, partner_norm ON leads BEGIN
    INSERT INTO lead_name_state (guild_id, version) VALUES (NEW.guild_id, 1)
    ON CONFLICT (guild_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER leads_ad AFTER DELETE ON leads BEGIN
    DELETE FROM leads_fts WHERE rowid = OLD.id;
    DELETE FROM leads_fts_tri WHERE rowid = OLD.id;
    INSERT INTO lead_name_state (guild_id, version) VALUES (OLD.guild_id, 1)
    ON CONFLICT (guild_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER lead_aliases_ai AFTER INSERT ON lead_aliases BEGIN
    UPDATE leads_fts SET aliases = coalesce(
        (SELECT group_concat(alias, ' ') FROM lead_aliases WHERE lead_id = NEW.lead_id), '')
    WHERE rowid = NEW.lead_id;
    UPDATE leads_fts_tri SET aliases = coalesce(
        (SELECT group_concat(alias, ' ') FROM lead_aliases WHERE lead_id = NEW.lead_id), '')
    WHERE rowid = NEW.lead_id;
    INSERT INTO lead_name_state (guild_id, version) VALUES (NEW.guild_id, 1)
    ON CONFLICT (guild_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER lead_aliases_au AFTER UPDATE ON lead_aliases BEGIN
    UPDATE leads_fts SET aliases = coalesce(
        (SELECT group_concat(alias, ' ') FROM lead_aliases WHERE lead_id = NEW.lead_id), '')
    WHERE rowid = NEW.lead_id;
    UPDATE leads_fts_tri SET aliases = coalesce(
        (SELECT group_concat(alias, ' ') FROM lead_aliases WHERE lead_id = NEW.lead_id), '')
    WHERE rowid = NEW.lead_id;
    INSERT INTO lead_name_state (guild_id, version) VALUES (NEW.guild_id, 1)
    ON CONFLICT (guild_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER lead_aliases_ad AFTER DELETE ON lead_aliases BEGIN
    UPDATE leads_fts SET aliases = coalesce(
        (SELECT group_concat(alias, ' ') FROM lead_aliases WHERE lead_id = OLD.lead_id), '')
    WHERE rowid = OLD.lead_id;
    UPDATE leads_fts_tri SET aliases = coalesce(
        (SELECT group_concat(alias, ' ') FROM lead_aliases WHERE lead_id = OLD.lead_id), '')
    WHERE rowid = OLD.lead_id;
    INSERT INTO lead_name_state (guild_id, version) VALUES (OLD.guild_id, 1)
    ON CONFLICT (guild_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER lead_notes_ai AFTER INSERT ON lead_notes BEGIN
    UPDATE leads_fts SET notes = coalesce(
        (SELECT group_concat(text, ' ') FROM lead_notes WHERE lead_id = NEW.lead_id), '')
    WHERE rowid = NEW.lead_id;
    UPDATE leads_fts_tri SET notes = coalesce(
        (SELECT group_concat(text, ' ') FROM lead_notes WHERE lead_id = NEW.lead_id), '')
    WHERE rowid = NEW.lead_id;
END;

CREATE TRIGGER lead_notes_au AFTER UPDATE ON lead_notes BEGIN
    UPDATE leads_fts SET notes = coalesce(
        (SELECT group_concat(text, ' ') FROM lead_notes WHERE lead_id = NEW.lead_id), '')
    WHERE rowid = NEW.lead_id;
    UPDATE leads_fts_tri SET notes = coalesce(
        (SELECT group_concat(text, ' ') FROM lead_notes WHERE lead_id = NEW.lead_id), '')
    WHERE rowid = NEW.lead_id;
END;

CREATE TRIGGER lead_notes_ad AFTER DELETE ON lead_notes BEGIN
    UPDATE leads_fts SET notes = coalesce(
        (SELECT group_concat(text, ' ') FROM lead_notes WHERE lead_id = OLD.lead_id), '')
    WHERE rowid = OLD.lead_id;
    UPDATE leads_fts_tri SET notes = coalesce(
        (SELECT group_concat(text, ' ') FROM lead_notes WHERE lead_id = OLD.lead_id), '')
    WHERE rowid = OLD.lead_id;
END;
