//! The text Asterisk's loader requires in `ast_module_info.key`. The loader takes the MD5 of it
//! and refuses the module unless the digest is 87767935 23ea3ad3 252abb35 87e42224; the text
//! binds the module to the GNU GPL version 2 or later, which is res_secast's licence.

pub const ASTERISK_GPL_KEY: &std::ffi::CStr =
    c"This paragraph is copyright (c) 2006 by Digium, Inc. \
In order for your module to load, it must return this key via a function called \"key\".  \
Any code which includes this paragraph must be licensed under the GNU General Public License \
version 2 or later (at your option).  In addition to Digium's general reservations of rights, \
Digium expressly reserves the right to allow other parties to license this paragraph under \
different terms. Any use of Digium, Inc. trademarks or logos (including \"Asterisk\" or \
\"Digium\") without express written permission of Digium, Inc. is prohibited.\n";
