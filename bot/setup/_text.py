"""What ``partnerbot setup`` says, in one place (so it can be translated later)."""

EXISTS = "{path} already exists: add --force to replace it, or give another --config."
FOLDER = "{path} is a folder: give --config the name of the file to write."
NO_FOLDER = "{folder} does not exist: create it, or give another --config."
NO_EXAMPLE = "cannot read {path} ({error}): setup starts from it."
NO_TOKEN = (
    "No bot token: set the {env} environment variable "
    "(export {env}=<token from the Discord developer portal>) and run again."
)
NO_TERMINAL = "No terminal to ask in: give {flags} (see partnerbot setup --help)."
REJECTED = "Discord rejected the token in {env}: copy it again from the developer portal (Bot > Reset Token)."
UNREACHABLE = "Could not reach Discord ({why}): check the network, or try again later. Nothing was written."
REFUSED = "Discord refused a request ({why}: {text}). Nothing was written."
CREATED_SO_FAR = " Created before that: {things} (run setup again to pick them)."
NO_SERVERS = (
    "The bot is in no server yet: add it with `partnerbot invite-url --client-id {bot_id}`, then run setup again."
)
SEVERAL_SERVERS = "The bot is in {count} servers ({servers}): say which with --guild NAME."
UNKNOWN = "{subject}: no {what} of that name in {place}; {whats}: {listing}{hint}."
AMBIGUOUS = "{subject} matches {count} {whats}: {listing}; give the id instead."
TOO_LONG = "{subject}: a name is 1 to {limit} characters."
CANCELLED = "Setup cancelled: nothing was created and nothing written."
NOT_WRITTEN = "Nothing was written."
CANNOT_CREATE = "The bot may not create {what} in {server}: it lacks {permissions}."
BY_HAND = "Create these by hand in Discord, then run partnerbot setup again:"
HAND_ROLE = '  - role "{name}" (it needs no permissions of its own: the channels let it read them)'
HAND_PRIVATE = (
    "  - text channel #{name}, private: under Edit Channel > Permissions, turn View Channel off for @everyone "
    "and on for {readers}"
)
HAND_PUBLIC = "  - text channel #{name} (public)"
EXPOSED_EVERYONE = (
    "Warning: #{channel} ({key}) can be read by @everyone, but it carries working-group-only content: under "
    "Edit Channel > Permissions, turn View Channel off for @everyone and on for {readers}."
)
EXPOSED_ROLE = (
    'Warning: #{channel} ({key}) can be read by the role "{role}", outside the working group and the reviewers.'
)
HIDDEN = "Warning: the bot cannot see #{channel} ({key}): let {bot} view it."
GIVE_ROLES = "Give the new roles to the working group's members and to the reviewers (Server Settings > Members)."
WROTE = (
    "Wrote {path}. Check it with `partnerbot check-config --config {path}`; "
    "start the bot with `partnerbot run --config {path}`."
)
