//! Spotify's authorization scopes and what the consent page says about each.

/// Every scope Spotify documents, with the words the consent page uses.
const KNOWN: [(&str, &str); 19] = [
    (
        "ugc-image-upload",
        "Upload images to personalise your profile or playlist cover",
    ),
    (
        "user-read-playback-state",
        "Read your currently playing content and playback state",
    ),
    (
        "user-modify-playback-state",
        "Control playback on your Spotify clients and devices",
    ),
    (
        "user-read-currently-playing",
        "Read your currently playing content",
    ),
    (
        "app-remote-control",
        "Communicate with the Spotify app on your device",
    ),
    (
        "streaming",
        "Play content and control playback on your other devices",
    ),
    ("playlist-read-private", "Access your private playlists"),
    (
        "playlist-read-collaborative",
        "Access your collaborative playlists",
    ),
    ("playlist-modify-private", "Manage your private playlists"),
    ("playlist-modify-public", "Manage your public playlists"),
    ("user-follow-modify", "Manage who you are following"),
    (
        "user-follow-read",
        "Access your followers and who you are following",
    ),
    (
        "user-read-playback-position",
        "Read your position in content you have played",
    ),
    ("user-top-read", "Read your top artists and content"),
    (
        "user-read-recently-played",
        "Access your recently played items",
    ),
    ("user-library-modify", "Manage your saved content"),
    ("user-library-read", "Access your saved content"),
    ("user-read-email", "Get your real email address"),
    ("user-read-private", "Access your subscription details"),
];

/// A validated, de-duplicated list of scopes in the order requested.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scopes(Vec<String>);

impl Scopes {
    /// Parses a space-separated `scope` parameter; `Err` names the first unknown scope.
    pub fn parse(input: &str) -> Result<Scopes, String> {
        let mut list: Vec<String> = Vec::new();
        for s in input.split([' ', '+']).filter(|s| !s.is_empty()) {
            if !KNOWN.iter().any(|(name, _)| *name == s) {
                return Err(s.to_owned());
            }
            if !list.iter().any(|x| x == s) {
                list.push(s.to_owned());
            }
        }
        Ok(Scopes(list))
    }

    /// Every scope Spotify documents.
    pub fn known() -> Vec<&'static str> {
        KNOWN.iter().map(|(name, _)| *name).collect()
    }

    pub fn contains(&self, scope: &str) -> bool {
        self.0.iter().any(|s| s == scope)
    }

    /// The form a token response uses: space-separated.
    pub fn to_param(&self) -> String {
        self.0.join(" ")
    }

    /// What the consent page lists, in words.
    pub fn descriptions(&self) -> Vec<&'static str> {
        self.0
            .iter()
            .filter_map(|s| KNOWN.iter().find(|(name, _)| name == s).map(|(_, d)| *d))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_dedupe_and_refuse_unknown_ones() {
        let s = Scopes::parse("playlist-read-private  playlist-read-private user-read-email")
            .expect("known scopes");
        assert_eq!(s.to_param(), "playlist-read-private user-read-email");
        assert_eq!(
            Scopes::parse("playlist-read-private bogus"),
            Err("bogus".to_owned())
        );
        assert_eq!(Scopes::parse("").expect("empty is fine").to_param(), "");
    }
}
